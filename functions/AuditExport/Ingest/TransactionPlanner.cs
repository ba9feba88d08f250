namespace AuditExport.Ingest;

/// <summary>
/// Groups segments into entity-group transactions within the service limits (100 operations, 4 MiB),
/// never splitting one delivered element across two transactions.
/// </summary>
public static class TransactionPlanner
{
    // Entities travel base64-encoded inside JSON inside the multipart body: budget below the 4 MiB limit.
    public const long MaxPayloadBytes = Storage.TableLimits.MaxTransactionBytes - 512 * 1024;
    private const int PerEntityOverhead = 2048;

    /// <param name="reservedOperations">Operations each transaction needs besides segments (the ledger).</param>
    /// <param name="extraOperations">Operations a segment brings besides itself (id markers).</param>
    public static List<List<Segment>> Plan(IReadOnlyList<Segment> segments, int reservedOperations, Func<Segment, int> extraOperations)
    {
        var transactions = new List<List<Segment>>();
        var current = new List<Segment>();
        long bytes = 0;
        var operations = reservedOperations;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var segmentBytes = EstimatedBytes(segment);
            var segmentOperations = 1 + extraOperations(segment);
            var splitsElement = current.Count > 0 && current[^1].LastElement == segment.FirstElement;
            if (current.Count > 0 && !splitsElement &&
                (bytes + segmentBytes > MaxPayloadBytes || operations + segmentOperations > Storage.TableLimits.MaxTransactionOperations))
            {
                transactions.Add(current);
                current = [];
                bytes = 0;
                operations = reservedOperations;
            }
            current.Add(segment);
            bytes += segmentBytes;
            operations += segmentOperations;
        }
        if (current.Count > 0)
        {
            transactions.Add(current);
        }
        return transactions;
    }

    private static long EstimatedBytes(Segment segment) => segment.Compressed.Length * 4L / 3 + PerEntityOverhead;
}
