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
    /// <summary>Quarantined events by <see cref="RejectionKind"/>.</summary>
    public IReadOnlyDictionary<string, int> QuarantinedByReason { get; init; } = new Dictionary<string, int>();

    /// <summary>This and the next part of the same invocation.</summary>
    public IngestSummary Add(IngestSummary next) => new(SourcePartition ?? next.SourcePartition, Elements + next.Elements, Accepted + next.Accepted,
        Duplicates + next.Duplicates, Quarantined + next.Quarantined, Segments + next.Segments, Transactions + next.Transactions,
        TablePartitions.Union(next.TablePartitions).Order(StringComparer.Ordinal).ToList(), ElapsedMilliseconds + next.ElapsedMilliseconds)
    {
        QuarantinedByReason = QuarantinedByReason.Concat(next.QuarantinedByReason).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value)),
    };

    public override string ToString() =>
        $"Ingested {Elements} messages{(SourcePartition is null ? "" : $" from partition {SourcePartition}")}: " +
        $"{Accepted} accepted, {Duplicates} duplicates, {Quarantined} quarantined; " +
        $"{Segments} segments in {Transactions} transactions into {string.Join(", ", TablePartitions.DefaultIfEmpty("-"))} in {ElapsedMilliseconds} ms";
}
