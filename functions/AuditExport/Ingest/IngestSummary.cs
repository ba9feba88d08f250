namespace AuditExport.Ingest;

/// <summary>What one ingest invocation did; returned to the host and logged.</summary>
public sealed record IngestSummary(
    string? SourcePartition,
    int Elements,
    int Accepted,
    int Duplicates,
    int Quarantined,
    int Segments,
    int Transactions,
    IReadOnlyList<string> TablePartitions,
    long ElapsedMilliseconds)
{
    /// <summary>Quarantined events by <see cref="QuarantineReasons.Category"/>.</summary>
    public IReadOnlyDictionary<string, int> QuarantinedByReason { get; init; } = new Dictionary<string, int>();

    public override string ToString() =>
        $"Ingested {Elements} messages{(SourcePartition is null ? "" : $" from partition {SourcePartition}")}: " +
        $"{Accepted} accepted, {Duplicates} duplicates, {Quarantined} quarantined; " +
        $"{Segments} segments in {Transactions} transactions into {string.Join(", ", TablePartitions.DefaultIfEmpty("-"))} in {ElapsedMilliseconds} ms";
}
