using AuditExport.Configurations;
using AuditExport.Ingest;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuditExport.Hosting;

/// <summary>
/// What <c>/api/health</c> checks, as ASP.NET Core health checks: the tables and the quarantine container are
/// reachable with the app's identity, and the secret keys encrypt and decrypt. Each check has its own time limit.
/// </summary>
public static class HandlerHealthChecks
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static void Add(IServiceCollection services) => services.AddHealthChecks()
        .AddCheck<TableStorageCheck>("tableStorage", timeout: CheckTimeout)
        .AddCheck<BlobStorageCheck>("blobStorage", timeout: CheckTimeout)
        .AddCheck<SecretKeysCheck>("secretKeys", timeout: CheckTimeout);

    private sealed class TableStorageCheck(TableServiceClient tables) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            await tables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).FirstOrDefaultAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }

    private sealed class BlobStorageCheck(BlobServiceClient blobs, IngestOptions ingest) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            await blobs.GetBlobContainerClient(ingest.QuarantineContainer).ExistsAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }

    private sealed class SecretKeysCheck(SecretProtector secrets, SecretKeysResolver resolver) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            if (!await resolver.EnsureAsync(cancellationToken) && secrets.UnavailableReason is { } unavailable)
            {
                return HealthCheckResult.Unhealthy(unavailable);
            }
            var probe = SecretProtector.Context(Guid.Empty, "health");
            return secrets.Unprotect(secrets.Protect("probe", probe), probe) == "probe"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("a secret did not decrypt to what was encrypted");
        }
    }
}
