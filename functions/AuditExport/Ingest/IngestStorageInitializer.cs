using AuditExport.Storage;

namespace AuditExport.Ingest;

/// <summary>Creates the ingest tables and quarantine container once per process, on first use.</summary>
public sealed class IngestStorageInitializer(ITableClient tables, IBlobClient blobs, IngestOptions options)
{
    private readonly InitializeOnce _once = new(async ct =>
    {
        await tables.CreateTableIfNotExistsAsync(options.AuditEventsTable, ct);
        await tables.CreateTableIfNotExistsAsync(options.QuarantineTable, ct);
        await blobs.CreateContainerIfNotExistsAsync(options.QuarantineContainer, ct);
    });

    public Task EnsureAsync(CancellationToken cancellationToken) => _once.EnsureAsync(cancellationToken);
}
