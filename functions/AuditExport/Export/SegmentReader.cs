using AuditExport.Ingest;
using Azure.Data.Tables;

namespace AuditExport.Export;

/// <summary>One stored segment as an export reads it: its gzip payload (a complete gzip member) and count.</summary>
public sealed record StoredSegment(string PartitionKey, string RowKey, int Count, byte[] Payload);

/// <summary>
/// Reads the segments ingested in a window (start, end] of ingestion time: a RowKey range in every
/// shard of every month the window touches, in a fixed order (month, shard, RowKey), so a redo of the same
/// window reads the same segments in the same order. Pages are small: memory stays bounded whatever the window.
/// </summary>
public sealed class SegmentReader(TableServiceClient tables, IngestOptions ingest, IngestStorageInitializer storage)
{
    private readonly TableClient _events = tables.GetTableClient(ingest.AuditEventsTable);

    public const int PageSize = 8; // segments are up to ~1 MiB each

    public async IAsyncEnumerable<StoredSegment> ReadAsync(DateTimeOffset start, DateTimeOffset end,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (end <= start)
        {
            yield break;
        }
        // Before the first event is ingested the table does not exist yet: that window is empty, not a failure.
        await storage.EnsureAsync(cancellationToken);
        var from = AuditEventKeys.TimePrefix(start.AddTicks(1));
        var to = AuditEventKeys.TimePrefix(end.AddTicks(1));
        foreach (var month in Months(start, end))
        {
            for (var shard = 0; shard < ingest.IngestShardCount; shard++)
            {
                var partitionKey = AuditEventKeys.PartitionKey(month, shard);
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {from} and RowKey lt {to}");
                await foreach (var entity in _events.QueryAsync<TableEntity>(filter, PageSize, cancellationToken: cancellationToken))
                {
                    yield return new StoredSegment(entity.PartitionKey, entity.RowKey, entity.GetInt32("Count") ?? 0, SegmentEntity.ReadPayload(entity));
                }
            }
        }
    }

    /// <summary>First instants of the months from the one holding <paramref name="start"/> to the one holding <paramref name="end"/>.</summary>
    public static IEnumerable<DateTimeOffset> Months(DateTimeOffset start, DateTimeOffset end)
    {
        var month = new DateTimeOffset(start.UtcDateTime.Year, start.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        while (month <= end)
        {
            yield return month;
            month = month.AddMonths(1);
        }
    }
}
