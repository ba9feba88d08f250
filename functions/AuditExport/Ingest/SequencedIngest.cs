using AuditExport.AuditStore;
using AuditExport.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AuditExport.Ingest;

/// <summary>
/// De-duplication by (partition, sequence number): a ledger row per source partition records the sequence numbers
/// stored and is updated in the same entity-group transaction as the segments, so a batch is either stored and
/// recorded, or neither, even when a retry follows a partial write.
/// </summary>
internal sealed class SequencedIngest(TableClient events, IngestSteps steps, LedgerCache ledgers, ILogger logger)
{
    public async Task IngestAsync(EventHubBatch batch, DateTimeOffset ingestedAt, IngestTally tally, CancellationToken cancellationToken)
    {
        var partitionId = batch.PartitionId!;
        var shard = AuditEventKeys.Shard(partitionId, steps.ShardCount);
        var partitionKey = AuditEventKeys.PartitionKey(ingestedAt, shard);
        var source = AuditEventKeys.SafeKey(partitionId);

        // Another instance stored part of this partition's stream meanwhile: read its ledger again.
        var conflicts = Retries.OnConcurrentChange(IngestService.MaxConcurrencyAttempts, e => e is TableTransactionFailedException { Status: 409 or 412 },
            (attempt, e) => logger.LogWarning("Ledger of partition {Partition} changed concurrently ({Code}); retrying (attempt {Attempt}).",
                partitionId, ((TableTransactionFailedException)e).ErrorCode, attempt));
        await conflicts.ExecuteAsync(async ct =>
        {
            var ledger = ledgers.Get(partitionKey, partitionId)
                ?? await ReadLedgerAsync(partitionKey, AuditEventKeys.PreviousMonthPartitionKey(ingestedAt, shard), partitionId, ct);

            // Elements already stored (earlier delivery) or repeated within this batch are duplicates.
            var seen = new HashSet<long>();
            var fresh = batch.Elements.Where(e => !ledger.Ranges.Contains(e.SequenceNumber!.Value) && seen.Add(e.SequenceNumber!.Value)).ToList();
            var freshIndexes = fresh.Select(e => e.Index).ToHashSet();

            var (accepted, rejected) = steps.Split(fresh);
            var segments = steps.Pack(accepted, rejected, int.MaxValue);
            await steps.Quarantine.StoreAsync(rejected.Select(r => IngestSteps.Quarantined(r, partitionId, batch)).ToList(), ingestedAt, ct);

            var plan = TransactionPlanner.Plan(segments, reservedOperations: 1, _ => 0);
            var stored = segments.SelectMany(s => s.Events).Select(e => e.ElementIndex).ToHashSet();
            var withoutSegments = fresh.Where(e => !stored.Contains(e.Index)).ToList();
            if (plan.Count == 0 && fresh.Count > 0)
            {
                plan.Add([]); // only the ledger: every fresh message was quarantined
            }
            for (var t = 0; t < plan.Count; t++)
            {
                var operations = new List<TableTransactionAction>();
                foreach (var segment in plan[t])
                {
                    var first = batch.Element(segment.FirstElement).SequenceNumber;
                    var last = batch.Element(segment.LastElement).SequenceNumber;
                    var rowKey = AuditEventKeys.SegmentRowKey(ingestedAt, source, $"{first:D19}.{segment.Events[0].ItemIndex:D5}");
                    operations.Add(new TableTransactionAction(TableTransactionActionType.Add, SegmentEntity.Create(partitionKey, rowKey, segment, ingestedAt, partitionId, first, last)));
                    foreach (var element in segment.Events.Select(e => e.ElementIndex).Distinct())
                    {
                        ledger.Ranges.Add(batch.Element(element).SequenceNumber!.Value);
                    }
                }
                if (t == 0)
                {
                    withoutSegments.ForEach(e => ledger.Ranges.Add(e.SequenceNumber!.Value));
                }
                operations.Add(ledger.ToOperation(partitionKey));
                steps.EnsureNotLate(ingestedAt);
                Response<IReadOnlyList<Response>> responses;
                try
                {
                    responses = await events.SubmitTransactionAsync(operations, ct);
                }
                catch
                {
                    ledgers.Forget(partitionKey, partitionId); // whatever happened, the next attempt reads the ledger as it is
                    throw;
                }
                ledger.Committed(responses.Value[^1].Headers.ETag);
                ledgers.Committed(partitionKey, ledger, partitionId);
                tally.Transactions++;
                tally.Segments += plan[t].Count;
                tally.Accepted += plan[t].Sum(s => s.Events.Count);
                tally.Partitions.Add(partitionKey);
            }
            tally.Quarantine(rejected);
            tally.Duplicates += CountEvents(batch.Elements.Where(e => !freshIndexes.Contains(e.Index)));
        }, cancellationToken);
    }

    private int CountEvents(IEnumerable<DeliveredElement> elements)
    {
        var (accepted, rejected) = steps.Split(elements);
        return accepted.Count + rejected.Sum(r => r.Items);
    }

    private async Task<DeliveryLedger> ReadLedgerAsync(string partitionKey, string previousPartitionKey, string partitionId, CancellationToken cancellationToken)
    {
        var rowKey = AuditEventKeys.LedgerRowKey(partitionId);
        var current = await events.FindAsync(partitionKey, rowKey, LedgerColumns, cancellationToken);
        if (current is not null)
        {
            return new DeliveryLedger(partitionId, Ranges(current, partitionId), current.ETag);
        }
        // First batch of the month for this partition: a redelivery may repeat what last month's ledger holds.
        var previous = await events.FindAsync(previousPartitionKey, rowKey, LedgerColumns, cancellationToken);
        return new DeliveryLedger(partitionId, previous is null ? new SequenceRanges() : Ranges(previous, partitionId), null);
    }

    /// <summary>
    /// A ledger row that cannot be read must not stop its partition for good (every retry would fail the same
    /// way): it is reported and replaced by this batch's ranges. The cost is that a redelivery of events it
    /// covered could be stored twice; nothing is lost.
    /// </summary>
    private SequenceRanges Ranges(TableEntity row, string partitionId)
    {
        var text = row.GetString("Ranges");
        if (SequenceRanges.TryParse(text, out var ranges))
        {
            return ranges;
        }
        logger.LogError("The delivery ledger of Event Hub partition {Partition} ({PartitionKey}/{RowKey}) is unreadable: '{Ranges}' is not a list of sequence number ranges. " +
            "It is replaced by the ranges of the batches stored from now on; a redelivery of events it covered may be stored twice.",
            partitionId, row.PartitionKey, row.RowKey, text is { Length: > 200 } ? text[..200] + "…" : text);
        return new SequenceRanges();
    }

    private static readonly string[] LedgerColumns = ["Ranges"];
}
