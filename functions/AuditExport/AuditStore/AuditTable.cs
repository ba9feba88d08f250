using AuditExport.Storage;
using Azure.Data.Tables;

namespace AuditExport.AuditStore;

/// <summary>
/// The AuditEvents table, which ingest writes and export and retention read: its client, its shards per month
/// (<see cref="AuditEventKeys"/>), and its creation once per process, on first use.
/// </summary>
public sealed class AuditTable(TableServiceClient tables, AuditTableOptions options)
{
    private readonly InitializeOnce _once = new(ct => tables.CreateTableIfNotExistsAsync(options.TableName, ct));

    public TableClient Client { get; } = tables.GetTableClient(options.TableName);

    public int ShardCount => options.ShardCount;

    public Task EnsureExistsAsync(CancellationToken cancellationToken) => _once.EnsureAsync(cancellationToken);
}
