using AuditExport.Storage;

namespace AuditExport.Ingest;

/// <summary>
/// Creates the ingest tables and quarantine container once per process, on first use rather than at
/// start-up, so the handler starts (and answers health checks) even while storage is unreachable.
/// </summary>
public sealed class IngestStorageInitializer(ITableClient tables, IBlobClient blobs, IngestOptions options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_done)
            {
                await tables.CreateTableIfNotExistsAsync(options.AuditEventsTable, cancellationToken);
                await tables.CreateTableIfNotExistsAsync(options.QuarantineTable, cancellationToken);
                await blobs.CreateContainerIfNotExistsAsync(options.QuarantineContainer, cancellationToken);
                _done = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
