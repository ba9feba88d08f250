using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Ingest;

/// <summary>Creates the ingest tables and quarantine container once per process, on first use.</summary>
public sealed class IngestStorageInitializer(TableServiceClient tables, BlobServiceClient blobs, IngestOptions options)
{
    private readonly InitializeOnce _once = new(async ct =>
    {
        await tables.CreateTableIfNotExistsAsync(options.AuditEventsTable, ct);
        await tables.CreateTableIfNotExistsAsync(options.QuarantineTable, ct);
        await blobs.GetBlobContainerClient(options.QuarantineContainer).CreateIfNotExistsAsync(cancellationToken: ct);
    });

    public Task EnsureAsync(CancellationToken cancellationToken) => _once.EnsureAsync(cancellationToken);
}
