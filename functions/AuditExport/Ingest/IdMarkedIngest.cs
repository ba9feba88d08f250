using AuditExport.AuditStore;
using AuditExport.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AuditExport.Ingest;

/// <summary>
/// De-duplication without sequence numbers: a marker row per event (its id and a hash of its bytes), written inside the
/// segment's transaction, so only a byte-identical redelivery is a duplicate.
/// </summary>
internal sealed class IdMarkedIngest(TableClient events, IngestSteps steps, ILogger logger)
{
    private const int MaxEventsPerSegment = TableLimits.MaxTransactionOperations - 1;

    public async Task IngestAsync(EventHubBatch batch, DateTimeOffset ingestedAt, IngestTally tally, CancellationToken cancellationToken)
    {
        var (accepted, rejected) = steps.Split(batch.Elements);
        var checkPreviousMonth = ingestedAt - new DateTimeOffset(ingestedAt.Year, ingestedAt.Month, 1, 0, 0, 0, ingestedAt.Offset) < IngestService.RedeliveryHorizon;

        // The same event (id and bytes) twice in one batch: the first is kept. A different event reusing an id is kept too.
        var markers = accepted.ToDictionary(e => e, e => AuditEventKeys.IdMarkerRowKey(e.Id, e.Raw.Span)); // hashed once per event
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var unique = accepted.Where(e => keys.Add(markers[e])).ToList();
        tally.Duplicates += accepted.Count - unique.Count;

        await steps.Quarantine.StoreAsync(rejected.Select(r => IngestSteps.Quarantined(r, batch.PartitionId, batch)).ToList(), ingestedAt, cancellationToken);
        tally.Quarantine(rejected);

        foreach (var group in unique.GroupBy(e => AuditEventKeys.Shard(e.Id, steps.ShardCount)))
        {
            var partitionKey = AuditEventKeys.PartitionKey(ingestedAt, group.Key);
            var previousPartitionKey = AuditEventKeys.PreviousMonthPartitionKey(ingestedAt, group.Key);
            var conflicts = Retries.OnConcurrentChange(IngestService.MaxConcurrencyAttempts, e => e is TableTransactionFailedException { Status: 409 },
                (attempt, _) => logger.LogWarning("An event id in {PartitionKey} was stored concurrently; checking again (attempt {Attempt}).", partitionKey, attempt));
            await conflicts.ExecuteAsync(async ct =>
            {
                var stored = await FindStoredEventsAsync(group.ToList(), markers, partitionKey, checkPreviousMonth ? previousPartitionKey : null, ct);
                var fresh = group.Where(e => !stored.Contains(e)).ToList();
                var tooLarge = new List<RejectedInput>();
                var segments = steps.Pack(fresh, tooLarge, MaxEventsPerSegment);
                await steps.Quarantine.StoreAsync(tooLarge.Select(r => IngestSteps.Quarantined(r, batch.PartitionId, batch)).ToList(), ingestedAt, ct);
                foreach (var segment in segments)
                {
                    var rowKey = AuditEventKeys.SegmentRowKey(ingestedAt, "id", $"{AuditEventKeys.Hash(segment.Events[0].Raw.Span)[..16]}.{segment.Events.Count:D3}");
                    var operations = new List<TableTransactionAction>
                    {
                        new(TableTransactionActionType.Add, SegmentEntity.Create(partitionKey, rowKey, segment, ingestedAt, batch.PartitionId ?? "-", null, null)),
                    };
                    operations.AddRange(segment.Events.Select(e => new TableTransactionAction(TableTransactionActionType.Add,
                        new TableEntity(partitionKey, markers[e]) { ["Segment"] = rowKey })));
                    steps.EnsureNotLate(ingestedAt);
                    await events.SubmitTransactionAsync(operations, ct);
                    tally.Transactions++;
                    tally.Segments++;
                    tally.Accepted += segment.Events.Count;
                    tally.Partitions.Add(partitionKey);
                }
                tally.Duplicates += group.Count() - fresh.Count;
                tally.Quarantine(tooLarge);
            }, cancellationToken);
        }
    }

    /// <summary>The events whose exact bytes are already stored under their id (this month, or last month near its end).</summary>
    private async Task<HashSet<AuditEvent>> FindStoredEventsAsync(List<AuditEvent> events, Dictionary<AuditEvent, string> markers, string partitionKey, string? previousPartitionKey, CancellationToken cancellationToken)
    {
        var stored = new HashSet<AuditEvent>();
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (e, ct) =>
        {
            var found = await HasMarkerAsync(partitionKey, e.Id, markers[e], ct) || (previousPartitionKey is not null && await HasMarkerAsync(previousPartitionKey, e.Id, markers[e], ct));
            if (found)
            {
                lock (stored)
                {
                    stored.Add(e);
                }
            }
        });
        return stored;
    }

    private async Task<bool> HasMarkerAsync(string partitionKey, string eventId, string eventMarker, CancellationToken cancellationToken)
    {
        var (from, to) = AuditEventKeys.IdMarkerRange(eventId);
        await foreach (var marker in events.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {from} and RowKey le {to}"), select: RowKeyOnly, cancellationToken: cancellationToken))
        {
            if (AuditEventKeys.IsMarkerOf(marker.RowKey, eventId, eventMarker))
            {
                return true;
            }
        }
        return false;
    }

    private static readonly string[] RowKeyOnly = ["RowKey"];
}
