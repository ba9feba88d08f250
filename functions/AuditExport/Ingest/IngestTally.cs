namespace AuditExport.Ingest;

/// <summary>What one ingest call did, counted as it goes.</summary>
internal sealed class IngestTally
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
