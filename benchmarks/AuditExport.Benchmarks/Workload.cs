using System.Text;
using System.Text.Json;
using AuditExport.LocalHost;

namespace AuditExport.Benchmarks;

/// <summary>Synthetic UAM events and how they are cut into Event Hub batches over partitions.</summary>
public sealed class Workload
{
    public Workload(int count, int seed = 1)
    {
        var random = new Random(seed);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        Events = Enumerable.Range(0, count).Select(i => SyntheticEvents.Create(i, start.AddMilliseconds(i % 3_000_000), random)).ToList();
        Bytes = Events.Sum(e => (long)Encoding.UTF8.GetByteCount(e));
    }

    public List<string> Events { get; }
    public long Bytes { get; }
    public double MiB => Bytes / 1024.0 / 1024.0;

    /// <summary>Batches dealt round-robin over partitions named <c>{prefix}{number}</c>, sequence numbers counting per partition.</summary>
    public IEnumerable<(string Partition, long FirstSequence, string[] Events)> Batches(int batchSize, int partitions, string prefix = "") =>
        Events.Chunk(batchSize).Select((chunk, i) => (prefix + (i % partitions), (long)(i / partitions) * batchSize, chunk));

    /// <summary>Each batch's invocation body, serialised before any clock starts: the host does this in its own process.</summary>
    public List<(string Partition, byte[] Body)> Invocations(int batchSize, int partitions, string prefix = "") =>
        Batches(batchSize, partitions, prefix)
            .Select(b => (b.Partition, EventHubInvocation.Serialize(EventHubInvocation.Create(b.Events, b.Partition, b.FirstSequence, DateTimeOffset.UtcNow))))
            .ToList();
}
