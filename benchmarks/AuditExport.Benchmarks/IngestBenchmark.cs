using AuditExport.AuditStore;
using System.Diagnostics;
using System.Text;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Storage;
using Azure.Data.Tables;

namespace AuditExport.Benchmarks;

/// <summary>Events sent before measuring, then a quiet time in which the runtime finishes optimising what they ran.</summary>
public sealed record WarmUp(int Events, TimeSpan Settle);

/// <summary>
/// Ingest through the handler process, exactly as the host calls it, against the ceiling of the same
/// Azurite in the same run: entity-group transactions of segment entities of the same size, prepared
/// beforehand, with the same concurrency (one batch in flight per partition).
/// </summary>
public static class IngestBenchmark
{
    /// <param name="runtime">Extra environment for the handler process (runtime knobs such as DOTNET_gcServer), or null.</param>
    /// <param name="handlerAssembly">Another build of the handler to measure (a "before"), or null for this repository's.</param>
    /// <returns>The measurement, also added to <paramref name="results"/>.</returns>
    public static async Task<Measurement> RunAsync(Emulators emulators, Workload workload, WarmUp warmUp, int shards, int batchSize, int partitions, Results results, string area,
        IReadOnlyDictionary<string, string>? runtime = null, string? label = null, string? handlerAssembly = null)
    {
        var ceiling = await CeilingAsync(emulators, workload, shards, batchSize, partitions);
        var ours = await ThroughHandlerAsync(emulators, workload, warmUp, shards, batchSize, partitions, runtime, handlerAssembly);
        var perThousand = 1000.0 / workload.Events.Count;
        var measurement = new Measurement(area, $"{workload.Events.Count:N0} events, {shards} shards, batches of {batchSize}, {partitions} partitions{(label is null ? "" : ", " + label)}", new()
        {
            ["ceiling events/s"] = workload.Events.Count / ceiling.Elapsed.TotalSeconds,
            ["ours events/s"] = workload.Events.Count / ours.Elapsed.TotalSeconds,
            ["ours MiB/s"] = workload.MiB / ours.Elapsed.TotalSeconds,
            ["ratio"] = ceiling.Elapsed.TotalSeconds / ours.Elapsed.TotalSeconds,
            ["ceiling Azurite CPU ms per 1k events"] = ceiling.Cpu.Emulator.TotalMilliseconds * perThousand,
            ["ours Azurite CPU ms per 1k events"] = ours.Cpu.Emulator.TotalMilliseconds * perThousand,
            ["ours handler CPU ms per 1k events"] = ours.Cpu.Handler.TotalMilliseconds * perThousand,
            ["ours busy cores"] = (ours.Cpu.Emulator + ours.Cpu.Handler + ours.Cpu.Sender).TotalSeconds / ours.Elapsed.TotalSeconds,
        });
        results.Add(measurement);
        return measurement;
    }

    /// <summary>CPU time spent during one run by the emulators, the handler and this process (which plays the host).</summary>
    private sealed record CpuUse(TimeSpan Emulator, TimeSpan Handler, TimeSpan Sender);

    private sealed record Run(TimeSpan Elapsed, CpuUse Cpu);

    private static TimeSpan OwnCpu() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    private static async Task<Run> CeilingAsync(Emulators emulators, Workload workload, int shards, int batchSize, int partitions)
    {
        var table = "ceiling" + Handlers.RunId();
        var tables = StorageConnection.FromConnectionString(emulators.StorageConnectionString).CreateTableServiceClient(new StorageClientOptions()).GetTableClient(table);
        await tables.CreateIfNotExistsAsync();
        var packer = new SegmentPacker(new IngestOptions().SegmentTargetBytes);
        var now = DateTimeOffset.UtcNow;
        var transactions = workload.Batches(batchSize, partitions).Select((batch, b) =>
        {
            var events = batch.Events.Select((e, i) => new AuditEvent(Encoding.UTF8.GetBytes(e), $"{b}-{i}", now, i, 0)).ToList();
            var partitionKey = AuditEventKeys.PartitionKey(now, AuditEventKeys.Shard(batch.Partition, shards));
            var operations = packer.Pack(events, []).Select((segment, s) => new TableTransactionAction(TableTransactionActionType.Add,
                SegmentEntity.Create(partitionKey, $"{AuditEventKeys.TimePrefix(now)}_{batch.Partition}_{b:D7}.{s}", segment, now, batch.Partition, b, b))).ToList();
            return (batch.Partition, Operations: operations);
        }).ToList();

        var (emulatorCpu, ownCpu) = (emulators.CpuTime, OwnCpu());
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(transactions.GroupBy(t => t.Partition), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (partition, ct) =>
        {
            foreach (var transaction in partition)
            {
                await tables.SubmitTransactionAsync(transaction.Operations, ct);
            }
        });
        return new Run(stopwatch.Elapsed, new CpuUse(emulators.CpuTime - emulatorCpu, TimeSpan.Zero, OwnCpu() - ownCpu));
    }

    private static async Task<Run> ThroughHandlerAsync(Emulators emulators, Workload workload, WarmUp warmUp, int shards, int batchSize, int partitions,
        IReadOnlyDictionary<string, string>? runtime, string? handlerAssembly)
    {
        var settings = Handlers.Settings(emulators.StorageConnectionString, Handlers.RunId(), shards);
        foreach (var (name, value) in runtime ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }
        await using var handler = await HandlerProcess.StartAsync(settings, assemblyPath: handlerAssembly);
        var invocations = workload.Invocations(batchSize, partitions);
        // A handler runs for hours; measure it past JIT tiering, not its first seconds (other partitions, so nothing is a duplicate).
        await Handlers.IngestAsync(handler, new Workload(warmUp.Events, seed: 2).Invocations(batchSize, partitions, "warm-up-"));
        // The runtime promotes hot methods to optimised code only after 100 ms without new tier-0 compilation, which a
        // saturated 2-core machine can postpone for hundreds of thousands of events (measured: 33 ms of handler CPU per
        // 1k events right after the warm-up, 18 ms after this pause). A long-running handler gets such a lull anyway.
        await Task.Delay(warmUp.Settle);
        var (emulatorCpu, handlerCpu, ownCpu) = (emulators.CpuTime, handler.CpuTime, OwnCpu());
        var stopwatch = Stopwatch.StartNew();
        var accepted = await Handlers.IngestAsync(handler, invocations);
        var run = new Run(stopwatch.Elapsed, new CpuUse(emulators.CpuTime - emulatorCpu, handler.CpuTime - handlerCpu, OwnCpu() - ownCpu));
        return accepted == workload.Events.Count ? run : throw new InvalidOperationException($"{accepted} of {workload.Events.Count} events accepted");
    }
}
