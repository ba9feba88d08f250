using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AuditExport.Ingest;
using AuditExport.Storage;

namespace AuditExport.LocalHost;

/// <summary>
/// First ingest measurement: N synthetic events through the handler process exactly as the host delivers them,
/// against the ceiling of the same Azurite in the same run: raw entity-group transactions writing segment
/// entities of the same size, with the same concurrency (one in flight per Event Hub partition).
/// </summary>
public static class IngestMeasurement
{
    public const int BatchSize = 500;
    public const int Partitions = 4;

    public static async Task<int> RunAsync(int eventCount)
    {
        Console.WriteLine($"Measuring ingest of {eventCount:N0} events ({Partitions} partitions, batches of {BatchSize}) ...");
        await using var emulators = await Emulators.StartAsync(azurite: true, s3: false);
        var random = new Random(1);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var events = Enumerable.Range(0, eventCount).Select(i => SyntheticEvents.Create(i, start.AddMilliseconds(i), random)).ToList();
        var rawBytes = events.Sum(e => (long)Encoding.UTF8.GetByteCount(e));
        Console.WriteLine($"  {rawBytes / 1024.0 / 1024:F1} MiB of events, {rawBytes / (double)eventCount:F0} bytes each on average");

        var ceiling = await MeasureRawTransactionsAsync(emulators, events);
        var ours = await MeasureHandlerAsync(emulators, events);

        var mib = rawBytes / 1024.0 / 1024;
        Console.WriteLine();
        Console.WriteLine("| path | seconds | events/s | MiB/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| raw segment transactions (ceiling) | {ceiling.TotalSeconds:F2} | {eventCount / ceiling.TotalSeconds:N0} | {mib / ceiling.TotalSeconds:F1} |");
        Console.WriteLine($"| IngestAuditEvents through the handler | {ours.TotalSeconds:F2} | {eventCount / ours.TotalSeconds:N0} | {mib / ours.TotalSeconds:F1} |");
        Console.WriteLine($"ratio (ours / ceiling): {ceiling.TotalSeconds / ours.TotalSeconds:F2}");
        return 0;
    }

    private static async Task<TimeSpan> MeasureRawTransactionsAsync(Emulators emulators, List<string> events)
    {
        var tables = new AzureTableClient(StorageConnection.FromConnectionString(emulators.StorageConnectionString));
        const string table = "CeilingSegments";
        await tables.CreateTableIfNotExistsAsync(table, default);
        var packer = new SegmentPacker(new IngestOptions().SegmentTargetBytes);
        var now = DateTimeOffset.UtcNow;

        // Built before the clock starts: the ceiling is the storage write alone.
        var transactions = Batches(events).Select((batch, b) =>
        {
            var auditEvents = batch.Events.Select((e, i) => new AuditEvent(Encoding.UTF8.GetBytes(e), $"{b}-{i}", now, i, 0)).ToList();
            var partitionKey = AuditEventKeys.PartitionKey(now, AuditEventKeys.Shard(batch.Partition, new IngestOptions().IngestShardCount));
            return (batch.Partition, Operations: packer.Pack(auditEvents, []).Select((segment, s) =>
                TableOperation.Insert(SegmentEntity.Create(partitionKey, $"{AuditEventKeys.TimePrefix(now)}_{batch.Partition}_{b:D7}.{s}", segment, now, batch.Partition, b, b))).ToList());
        }).ToList();

        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(transactions.GroupBy(t => t.Partition), new ParallelOptions { MaxDegreeOfParallelism = Partitions }, async (partition, ct) =>
        {
            foreach (var transaction in partition)
            {
                await tables.SubmitTransactionAsync(table, transaction.Operations, ct);
            }
        });
        return stopwatch.Elapsed;
    }

    private static async Task<TimeSpan> MeasureHandlerAsync(Emulators emulators, List<string> events)
    {
        await using var handler = await HandlerProcess.StartAsync(new Dictionary<string, string> { ["AuditStorage"] = emulators.StorageConnectionString });
        using var host = new FunctionsHostClient(handler.BaseAddress);
        var invocations = Batches(events).Select(b => (b.Partition, Body: JsonSerializer.SerializeToUtf8Bytes(EventHubInvocation.Create(b.Events, b.Partition, b.FirstSequence, DateTimeOffset.UtcNow)))).ToList();
        await host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([events[0]], "warm-up", 0, DateTimeOffset.UtcNow));

        var accepted = 0;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(invocations.GroupBy(i => i.Partition), new ParallelOptions { MaxDegreeOfParallelism = Partitions }, async (partition, ct) =>
        {
            foreach (var invocation in partition)
            {
                var result = await host.InvokeAsync("IngestAuditEvents", invocation.Body, ct);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException($"Ingest answered {result.Status}: {string.Join(" | ", result.Logs)}");
                }
                Interlocked.Add(ref accepted, result.ReturnValue.GetProperty("accepted").GetInt32());
            }
        });
        var elapsed = stopwatch.Elapsed;
        if (accepted != events.Count)
        {
            throw new InvalidOperationException($"Expected {events.Count} accepted events, the handler reported {accepted}.");
        }
        return elapsed;
    }

    private static IEnumerable<(string Partition, long FirstSequence, List<string> Events)> Batches(List<string> events) =>
        events.Chunk(BatchSize).Select((chunk, i) => ((i % Partitions).ToString(), (long)(i / Partitions) * BatchSize, chunk.ToList()));
}
