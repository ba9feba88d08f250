namespace AuditExport.Ingest;

/// <summary>What both de-duplication strategies do the same way: split and validate, pack, quarantine, keep to the write deadline.</summary>
internal sealed class IngestSteps(QuarantineStore quarantine, IngestOptions options, int shardCount, TimeProvider clock)
{
    /// <summary>
    /// No transaction starts later than this after the batch's ingestion time; past it the batch fails and the
    /// host retries it with a new time. The export's safety lag must exceed this plus one transaction's retries,
    /// or a slow write could land behind a window that was already exported.
    /// </summary>
    public static readonly TimeSpan MaxWriteDelay = TimeSpan.FromMinutes(4);

    private readonly ElementSplitter _splitter = new(new AuditEventValidator(options.MaxEventBytes, clock));

    public QuarantineStore Quarantine => quarantine;
    public IngestOptions Options => options;

    /// <summary>The audit table's shards per month.</summary>
    public int ShardCount => shardCount;

    public void EnsureNotLate(DateTimeOffset ingestedAt)
    {
        var delay = clock.GetUtcNow() - ingestedAt;
        if (delay > MaxWriteDelay)
        {
            throw new TimeoutException($"The batch is still being written {delay.TotalSeconds:0} s after its ingestion time (limit {MaxWriteDelay.TotalSeconds:0} s); failing it so the host retries with a new time.");
        }
    }

    public (List<AuditEvent> Accepted, List<RejectedInput> Rejected) Split(IEnumerable<DeliveredElement> elements)
    {
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();
        foreach (var element in elements)
        {
            _splitter.Split(element, accepted, rejected);
        }
        return (accepted, rejected);
    }

    public List<Segment> Pack(IReadOnlyList<AuditEvent> events, List<RejectedInput> rejected, int maxEventsPerSegment)
    {
        var tooLarge = new List<AuditEvent>();
        var segments = new SegmentPacker(options.SegmentTargetBytes, maxEventsPerSegment).Pack(events, tooLarge);
        rejected.AddRange(tooLarge.Select(e => new RejectedInput(e.Raw,
            new(RejectionKind.TooLarge, $"event does not fit a storage segment even compressed (limit {SegmentPacker.MaxCompressedBytes} bytes)"), e.ElementIndex, e.ItemIndex)));
        return segments;
    }

    public static QuarantineStore.Item Quarantined(RejectedInput input, string? partitionId, EventHubBatch batch) =>
        new(input, partitionId, batch.Element(input.ElementIndex));
}
