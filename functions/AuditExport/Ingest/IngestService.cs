using System.Diagnostics;
using AuditExport.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AuditExport.Ingest;

/// <summary>
/// Stores one trigger invocation's events durably, exactly once per delivery:
/// <list type="bullet">
/// <item>With (partition, sequence number) from the host, a ledger row per source partition records the
/// sequence numbers stored; it is updated in the same entity-group transaction as the segments, so a
/// batch is either stored and recorded, or neither, even when a retry follows a partial write.</item>
/// <item>Without them, a marker row per event (its id and a hash of its bytes) plays that role, also inside the
/// segment's transaction: only a byte-identical redelivery is a duplicate.</item>
/// </list>
/// Bad input is quarantined before anything is recorded. Any storage failure throws: the host retries.
/// </summary>
public sealed class IngestService(
    TableServiceClient tableService,
    QuarantineStore quarantine,
    IngestStorageInitializer initializer,
    IngestOptions options,
    TimeProvider clock,
    ILogger<IngestService> logger)
{
    public const int MaxConcurrencyAttempts = 5;

    /// <summary>
    /// No transaction starts later than this after the batch's ingestion time; past it the batch fails and the
    /// host retries it with a new time. The export's safety lag must exceed this plus one transaction's retries,
    /// or a slow write could land behind a window that was already exported.
    /// </summary>
    public static readonly TimeSpan MaxWriteDelay = TimeSpan.FromMinutes(4);
    public static readonly TimeSpan RedeliveryHorizon = TimeSpan.FromDays(1);
    private const int MaxEventsPerSegmentById = TableLimits.MaxTransactionOperations - 1;

    public IngestOptions Options => options;

    private readonly TableClient _events = tableService.GetTableClient(options.AuditEventsTable);

    private readonly ElementSplitter _splitter = new(new AuditEventValidator(options.MaxEventBytes, clock));

    public async Task<IngestSummary> IngestAsync(EventHubBatch batch, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await initializer.EnsureAsync(cancellationToken);
        var ingestedAt = clock.GetUtcNow();
        var tally = new Tally();

        if (batch.HasSequenceNumbers)
        {
            await IngestSequencedAsync(batch, ingestedAt, tally, cancellationToken);
        }
        else
        {
            await IngestByIdAsync(batch, ingestedAt, tally, cancellationToken);
        }

        return new IngestSummary(batch.PartitionId, batch.Elements.Count, tally.Accepted, tally.Duplicates, tally.Quarantined,
            tally.Segments, tally.Transactions, tally.Partitions.Order(StringComparer.Ordinal).ToList(), stopwatch.ElapsedMilliseconds)
        {
            QuarantinedByReason = tally.ByReason,
        };
    }

    private async Task IngestSequencedAsync(EventHubBatch batch, DateTimeOffset ingestedAt, Tally tally, CancellationToken cancellationToken)
    {
        var partitionId = batch.PartitionId!;
        var shard = AuditEventKeys.Shard(partitionId, options.IngestShardCount);
        var partitionKey = AuditEventKeys.PartitionKey(ingestedAt, shard);
        var source = AuditEventKeys.SafeKey(partitionId);

        for (var attempt = 1; ; attempt++)
        {
            var ledger = await ReadLedgerAsync(partitionKey, AuditEventKeys.PreviousMonthPartitionKey(ingestedAt, shard), partitionId, cancellationToken);

            // Elements already stored (earlier delivery) or repeated within this batch are duplicates.
            var seen = new HashSet<long>();
            var fresh = batch.Elements.Where(e => !ledger.Ranges.Contains(e.SequenceNumber!.Value) && seen.Add(e.SequenceNumber!.Value)).ToList();
            var freshIndexes = fresh.Select(e => e.Index).ToHashSet();

            var (accepted, rejected) = Split(fresh);
            var segments = Pack(accepted, rejected, int.MaxValue);
            await quarantine.StoreAsync(rejected.Select(r => Quarantined(r, partitionId, batch)).ToList(), ingestedAt, cancellationToken);

            var plan = TransactionPlanner.Plan(segments, reservedOperations: 1, _ => 0);
            var stored = segments.SelectMany(s => s.Events).Select(e => e.ElementIndex).ToHashSet();
            var withoutSegments = fresh.Where(e => !stored.Contains(e.Index)).ToList();
            try
            {
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
                    EnsureNotLate(ingestedAt);
                    var responses = await _events.SubmitTransactionAsync(operations, cancellationToken);
                    ledger.Committed(responses.Value[^1].Headers.ETag);
                    tally.Transactions++;
                    tally.Segments += plan[t].Count;
                    tally.Accepted += plan[t].Sum(s => s.Events.Count);
                    tally.Partitions.Add(partitionKey);
                }
                tally.Quarantine(rejected);
                tally.Duplicates += CountEvents(batch.Elements.Where(e => !freshIndexes.Contains(e.Index)));
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxConcurrencyAttempts)
            {
                // Another instance stored part of this partition's stream meanwhile: read its ledger again.
                logger.LogWarning("Ledger of partition {Partition} changed concurrently ({Code}); retrying (attempt {Attempt}).", partitionId, e.ErrorCode, attempt);
            }
        }
    }

    private async Task IngestByIdAsync(EventHubBatch batch, DateTimeOffset ingestedAt, Tally tally, CancellationToken cancellationToken)
    {
        var (accepted, rejected) = Split(batch.Elements);
        var checkPreviousMonth = ingestedAt - new DateTimeOffset(ingestedAt.Year, ingestedAt.Month, 1, 0, 0, 0, ingestedAt.Offset) < RedeliveryHorizon;

        // The same event (id and bytes) twice in one batch: the first is kept. A different event reusing an id is kept too.
        var markers = accepted.ToDictionary(e => e, e => AuditEventKeys.IdMarkerRowKey(e.Id, e.Raw.Span)); // hashed once per event
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var unique = accepted.Where(e => keys.Add(markers[e])).ToList();
        tally.Duplicates += accepted.Count - unique.Count;

        await quarantine.StoreAsync(rejected.Select(r => Quarantined(r, batch.PartitionId, batch)).ToList(), ingestedAt, cancellationToken);
        tally.Quarantine(rejected);

        foreach (var group in unique.GroupBy(e => AuditEventKeys.Shard(e.Id, options.IngestShardCount)))
        {
            var partitionKey = AuditEventKeys.PartitionKey(ingestedAt, group.Key);
            var previousPartitionKey = AuditEventKeys.PreviousMonthPartitionKey(ingestedAt, group.Key);
            for (var attempt = 1; ; attempt++)
            {
                var stored = await FindStoredEventsAsync(group.ToList(), markers, partitionKey, checkPreviousMonth ? previousPartitionKey : null, cancellationToken);
                var fresh = group.Where(e => !stored.Contains(e)).ToList();
                var tooLarge = new List<RejectedInput>();
                var segments = Pack(fresh, tooLarge, MaxEventsPerSegmentById);
                await quarantine.StoreAsync(tooLarge.Select(r => Quarantined(r, batch.PartitionId, batch)).ToList(), ingestedAt, cancellationToken);
                try
                {
                    foreach (var segment in segments)
                    {
                        var rowKey = AuditEventKeys.SegmentRowKey(ingestedAt, "id", $"{AuditEventKeys.Hash(segment.Events[0].Raw.Span)[..16]}.{segment.Events.Count:D3}");
                        var operations = new List<TableTransactionAction>
                        {
                            new(TableTransactionActionType.Add, SegmentEntity.Create(partitionKey, rowKey, segment, ingestedAt, batch.PartitionId ?? "-", null, null)),
                        };
                        operations.AddRange(segment.Events.Select(e => new TableTransactionAction(TableTransactionActionType.Add,
                            new TableEntity(partitionKey, markers[e]) { ["Segment"] = rowKey })));
                        EnsureNotLate(ingestedAt);
                        await _events.SubmitTransactionAsync(operations, cancellationToken);
                        tally.Transactions++;
                        tally.Segments++;
                        tally.Accepted += segment.Events.Count;
                        tally.Partitions.Add(partitionKey);
                    }
                    tally.Duplicates += group.Count() - fresh.Count;
                    tally.Quarantine(tooLarge);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409 && attempt < MaxConcurrencyAttempts)
                {
                    logger.LogWarning("An event id in {PartitionKey} was stored concurrently; checking again (attempt {Attempt}).", partitionKey, attempt);
                }
            }
        }
    }

    private void EnsureNotLate(DateTimeOffset ingestedAt)
    {
        var delay = clock.GetUtcNow() - ingestedAt;
        if (delay > MaxWriteDelay)
        {
            throw new TimeoutException($"The batch is still being written {delay.TotalSeconds:0} s after its ingestion time (limit {MaxWriteDelay.TotalSeconds:0} s); failing it so the host retries with a new time.");
        }
    }

    private (List<AuditEvent> Accepted, List<RejectedInput> Rejected) Split(IEnumerable<DeliveredElement> elements)
    {
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();
        foreach (var element in elements)
        {
            _splitter.Split(element, accepted, rejected);
        }
        return (accepted, rejected);
    }

    private List<Segment> Pack(IReadOnlyList<AuditEvent> events, List<RejectedInput> rejected, int maxEventsPerSegment)
    {
        var tooLarge = new List<AuditEvent>();
        var segments = new SegmentPacker(options.SegmentTargetBytes, maxEventsPerSegment).Pack(events, tooLarge);
        rejected.AddRange(tooLarge.Select(e => new RejectedInput(e.Raw,
            $"event does not fit a storage segment even compressed (limit {SegmentPacker.MaxCompressedBytes} bytes)", e.ElementIndex, e.ItemIndex)));
        return segments;
    }

    private static QuarantineStore.Item Quarantined(RejectedInput input, string? partitionId, EventHubBatch batch) =>
        new(input, partitionId, batch.Element(input.ElementIndex));

    private int CountEvents(IEnumerable<DeliveredElement> elements)
    {
        var (accepted, rejected) = Split(elements);
        return accepted.Count + rejected.Sum(r => r.Items);
    }

    private async Task<DeliveryLedger> ReadLedgerAsync(string partitionKey, string previousPartitionKey, string partitionId, CancellationToken cancellationToken)
    {
        var rowKey = AuditEventKeys.LedgerRowKey(partitionId);
        var current = await _events.FindAsync(partitionKey, rowKey, LedgerColumns, cancellationToken);
        if (current is not null)
        {
            return new DeliveryLedger(partitionId, Ranges(current, partitionId), current.ETag);
        }
        // First batch of the month for this partition: a redelivery may repeat what last month's ledger holds.
        var previous = await _events.FindAsync(previousPartitionKey, rowKey, LedgerColumns, cancellationToken);
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
        await foreach (var marker in _events.QueryAsync<TableEntity>(
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
    private static readonly string[] LedgerColumns = ["Ranges"];

    private sealed class Tally
    {
        public int Accepted;
        public int Duplicates;
        public readonly Dictionary<string, int> ByReason = new(StringComparer.Ordinal);
        public int Quarantined => ByReason.Values.Sum();
        public int Segments;
        public int Transactions;
        public readonly HashSet<string> Partitions = new(StringComparer.Ordinal);

        public void Quarantine(IEnumerable<RejectedInput> rejected)
        {
            foreach (var r in rejected)
            {
                ByReason[r.Kind] = ByReason.GetValueOrDefault(r.Kind) + r.Items;
            }
        }
    }
}
