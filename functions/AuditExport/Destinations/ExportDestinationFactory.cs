using Microsoft.Extensions.Logging;

namespace AuditExport.Destinations;

/// <summary>Opens the destination of a configuration with its decrypted secret or assumed-role credentials.</summary>
public sealed class ExportDestinationFactory(S3ClientFactory s3Clients, DestinationGuard guard, DestinationTimeouts timeouts, ILogger<ExportDestinationFactory> logger)
{
    public async Task<IExportDestination> OpenAsync(Guid configurationId, DestinationSettings destination, string? secret, RetryPolicy retry, CancellationToken cancellationToken)
    {
        await guard.CheckAsync(destination, secret, cancellationToken);
        if (destination.IsS3)
        {
            var s3 = await retry.RunAsync("Open S3 destination", ct => s3Clients.CreateAsync(configurationId, destination, secret, ct), cancellationToken);
            return new S3ExportDestination(s3, destination.Bucket!, destination.Endpoint is not null, retry, S3Encryption.Of(destination));
        }
        var fileSystem = AdlsExportDestination.FileSystemClient(destination, secret, timeouts.BlobOptions());
        logger.LogDebug("Opened ADLS destination {Account}/{FileSystem} for {Id}", destination.StorageAccount, destination.FileSystem, configurationId);
        return new AdlsExportDestination(fileSystem, retry);
    }
}
