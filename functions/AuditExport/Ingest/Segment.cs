using AuditExport.AuditStore;

namespace AuditExport.Ingest;

/// <summary>
/// A batch of events stored as one entity: gzip JSON Lines (one original event per line) split over binary
/// properties, plus plain metadata. The gzip payload is a complete gzip member, so an export can append it
/// to a .jsonl.gz file as it is.
/// </summary>
public sealed record Segment(
    IReadOnlyList<AuditEvent> Events,
    byte[] Compressed,
    long RawBytes,
    DateTimeOffset MinTimestamp,
    DateTimeOffset MaxTimestamp) : ISegmentContent
{
    public int Count => Events.Count;

    public int FirstElement => Events[0].ElementIndex;
    public int LastElement => Events[^1].ElementIndex;
}
