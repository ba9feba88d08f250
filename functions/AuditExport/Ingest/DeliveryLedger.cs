using AuditExport.Storage;

namespace AuditExport.Ingest;

/// <summary>
/// The ledger row of one Event Hub partition inside a table partition: which sequence numbers are stored.
/// Written only inside the same transaction as the segments it describes, guarded by its ETag.
/// </summary>
public sealed class DeliveryLedger(string partitionId, SequenceRanges ranges, string? etag)
{
    public SequenceRanges Ranges { get; } = ranges;
    public string? ETag { get; private set; } = etag;

    public TableOperation ToOperation(string partitionKey)
    {
        var entity = new TableEntity(partitionKey, AuditEventKeys.LedgerRowKey(partitionId))
        {
            ["PartitionId"] = partitionId,
            ["Ranges"] = Ranges.ToString(),
        };
        if (ETag is null)
        {
            return TableOperation.Insert(entity);
        }
        entity.ETag = ETag;
        return TableOperation.Replace(entity);
    }

    public void Committed(string? newETag) => ETag = newETag ?? throw new InvalidOperationException("The transaction answer carried no ETag for the ledger.");
}
