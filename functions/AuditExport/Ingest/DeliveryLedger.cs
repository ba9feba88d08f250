using AuditExport.AuditStore;
using Azure;
using Azure.Data.Tables;

namespace AuditExport.Ingest;

/// <summary>
/// The ledger row of one Event Hub partition inside a table partition: which sequence numbers are stored.
/// Written only inside the same transaction as the segments it describes, guarded by its ETag.
/// </summary>
public sealed class DeliveryLedger(string partitionId, SequenceRanges ranges, ETag? etag)
{
    public SequenceRanges Ranges { get; } = ranges;
    public ETag? ETag { get; private set; } = etag;

    public TableTransactionAction ToOperation(string partitionKey)
    {
        var entity = new TableEntity(partitionKey, AuditEventKeys.LedgerRowKey(partitionId))
        {
            ["PartitionId"] = partitionId,
            ["Ranges"] = Ranges.ToString(),
        };
        return ETag is ETag etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    public void Committed(ETag? newETag) => ETag = newETag ?? throw new InvalidOperationException("The transaction answer carried no ETag for the ledger.");
}
