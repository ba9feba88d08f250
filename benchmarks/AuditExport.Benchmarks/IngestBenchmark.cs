using System.Diagnostics;
using System.Text;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Storage;

namespace AuditExport.Benchmarks;

/// <summary>
/// Ingest through the handler process, exactly as the host calls it, against the ceiling of the same
/// Azurite in the same run: entity-group transactions of segment entities of the same size, prepared
/// beforehand, with the same concurrency (one batch in flight per partition).
/// </summary>
public static class IngestBenchmark
{
    public static async Task RunAsync(Emulators emulators, Workload workload, int shards, int batchSize, int partitions, Results results, string area)
    {
        var ceiling = await CeilingAsync(emulators, workload, shards, batchSize, partitions);
        var ours = await ThroughHandlerAsync(emulators, workload, shards, batchSize, partitions);
        results.Add(new Measurement(area, $"{workload.Events.Count:N0} events, {shards} shards, batches of {batchSize}, {partitions} partitions", new()
        {
            ["ceiling events/s"] = workload.Events.Count / ceiling.TotalSeconds,
            ["ours events/s"] = workload.Events.Count / ours.TotalSeconds,
            ["ours MiB/s"] = workload.MiB / ours.TotalSeconds,
            ["ratio"] = ceiling.TotalSeconds / ours.TotalSeconds,
        }));
    }

    private static async Task<TimeSpan> CeilingAsync(Emulators emulators, Workload workload, int shards, int batchSize, int partitions)
    {
        var tables = new AzureTableClient(StorageConnection.FromConnectionString(emulators.StorageConnectionString));
        var table = "ceiling" + Handlers.RunId();
        await tables.CreateTableIfNotExistsAsync(table, default);
        var packer = new SegmentPacker(new IngestOptions().SegmentTargetBytes);
        var now = DateTimeOffset.UtcNow;
        var transactions = workload.Batches(batchSize, partitions).Select((batch, b) =>
        {
            var events = batch.Events.Select((e, i) => new AuditEvent(Encoding.UTF8.GetBytes(e), $"{b}-{i}", now, i, 0)).ToList();
            var partitionKey = AuditEventKeys.PartitionKey(now, AuditEventKeys.Shard(batch.Partition, shards));
            var operations = packer.Pack(events, []).Select((segment, s) => TableOperation.Insert(
                SegmentEntity.Create(partitionKey, $"{AuditEventKeys.TimePrefix(now)}_{batch.Partition}_{b:D7}.{s}", segment, now, batch.Partition, b, b))).ToList();
            return (batch.Partition, Operations: operations);
        }).ToList();

        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(transactions.GroupBy(t => t.Partition), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (partition, ct) =>
        {
            foreach (var transaction in partition)
            {
                await tables.SubmitTransactionAsync(table, transaction.Operations, ct);
            }
        });
        return stopwatch.Elapsed;
    }

    private static async Task<TimeSpan> ThroughHandlerAsync(Emulators emulators, Workload workload, int shards, int batchSize, int partitions)
    {
        await using var handler = await HandlerProcess.StartAsync(Handlers.Settings(emulators.StorageConnectionString, Handlers.RunId(), shards));
        var invocations = workload.Invocations(batchSize, partitions);
        using (var host = new FunctionsHostClient(handler.BaseAddress))
        {
            await host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([workload.Events[0]], "warm-up", 0, DateTimeOffset.UtcNow));
        }
        var stopwatch = Stopwatch.StartNew();
        var accepted = await Handlers.IngestAsync(handler, invocations);
        var elapsed = stopwatch.Elapsed;
        return accepted == workload.Events.Count ? elapsed : throw new InvalidOperationException($"{accepted} of {workload.Events.Count} events accepted");
    }
}
