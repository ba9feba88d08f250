using AuditExport.AuditStore;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Ingest;

/// <summary>Creates the audit table, the quarantine table and the quarantine container once per process, on first use.</summary>
public sealed class IngestStorageInitializer(AuditTable auditTable, TableServiceClient tables, BlobServiceClient blobs, IngestOptions options)
{
    private readonly InitializeOnce _once = new(async ct =>
    {
        await auditTable.EnsureExistsAsync(ct);
        await tables.CreateTableIfNotExistsAsync(options.QuarantineTable, ct);
        await blobs.GetBlobContainerClient(options.QuarantineContainer).CreateIfNotExistsAsync(cancellationToken: ct);
    });

    public Task EnsureAsync(CancellationToken cancellationToken) => _once.EnsureAsync(cancellationToken);
}
