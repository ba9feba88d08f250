using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using Azure.Storage.Blobs;

namespace AuditExport.Benchmarks;

/// <summary>
/// A backlog of N events exported twice from the same table in one run: once as a single unbounded job, once
/// as a sequence of bounded jobs (ExportMaxRecordsPerJob = N / 10), each by a fresh handler process invoked as
/// the timer is, so that its peak memory is the export's own. The ratio says what the bounds cost.
/// </summary>
public static class BacklogBenchmark
{
    private const int Partitions = 4;
    private const int BatchSize = 500;

    public static async Task RunAsync(Emulators emulators, int count, Results results)
    {
        var settings = Handlers.Settings(emulators.StorageConnectionString, Handlers.RunId());
        settings["ExportTimeBudgetSeconds"] = "3600"; // both paths must finish in one invocation: this measures throughput, not the budget
        var bound = Math.Max(1, count / 10);
        string boundedContainer;
        await using (var ingest = await HandlerProcess.StartAsync(settings))
        {
            using var api = ingest.CreateApiClient(TimeSpan.FromMinutes(5));
            await CreateAdlsAsync(api, emulators, "EVERY_24_HOURS"); // exported unbounded
            boundedContainer = await CreateAdlsAsync(api, emulators, "EVERY_12_HOURS"); // exported bounded
            Console.WriteLine($"    ingesting a backlog of {count:N0} events ...");
            var stopwatch = Stopwatch.StartNew();
            await IngestAsync(ingest, count);
            Console.WriteLine($"    ingested in {stopwatch.Elapsed.TotalSeconds:F0} s");
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the 1 s safety lag

        var unbounded = await ExportAsync(settings, long.MaxValue, "ExportEvery24Hours", count);
        var bounded = await ExportAsync(settings, bound, "ExportEvery12Hours", count);
        results.Add(new Measurement("Backlog export", $"{count:N0} events to ADLS (Azurite blob), bounded jobs of {bound:N0} vs one unbounded job", new()
        {
            ["unbounded events/s"] = count / unbounded.Elapsed.TotalSeconds,
            ["bounded events/s"] = count / bounded.Elapsed.TotalSeconds,
            ["ratio bounded / unbounded"] = unbounded.Elapsed.TotalSeconds / bounded.Elapsed.TotalSeconds,
            ["bounded jobs"] = bounded.Jobs,
            ["exported gzip bytes per event"] = await ExportedBytesAsync(emulators, boundedContainer) / (double)count,
            ["unbounded peak working set MB"] = unbounded.PeakBytes / 1e6,
            ["bounded peak working set MB"] = bounded.PeakBytes / 1e6,
        }));
    }

    private static async Task<(TimeSpan Elapsed, int Jobs, long PeakBytes)> ExportAsync(Dictionary<string, string> settings, long maxRecordsPerJob, string timer, int count)
    {
        var own = new Dictionary<string, string>(settings) { ["ExportMaxRecordsPerJob"] = maxRecordsPerJob.ToString() };
        await using var exporter = await HandlerProcess.StartAsync(own);
        using var host = new FunctionsHostClient(exporter.BaseAddress);
        Console.WriteLine($"    {timer}: exporting with jobs of at most {maxRecordsPerJob:N0} records ...");
        var stopwatch = Stopwatch.StartNew();
        var result = await host.InvokeAsync(timer, new JsonObject { ["Data"] = new JsonObject(), ["Metadata"] = new JsonObject() });
        var elapsed = stopwatch.Elapsed;
        var summary = result.ReturnValue;
        if (!result.Succeeded || summary.GetProperty("records").GetInt64() != count || summary.GetProperty("behind").GetInt32() != 0)
        {
            throw new InvalidOperationException($"{timer} did not export the backlog: {result.Body}");
        }
        return (elapsed, summary.GetProperty("jobs").GetInt32(), exporter.PeakWorkingSetBytes);
    }

    /// <summary>Batches generated as they are sent (a backlog this size does not fit in memory as strings), partitions in parallel.</summary>
    private static async Task IngestAsync(HandlerProcess handler, int count)
    {
        using var host = new FunctionsHostClient(handler.BaseAddress);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var batches = (count + BatchSize - 1) / BatchSize;
        long sent = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Partitions), new ParallelOptions { MaxDegreeOfParallelism = Partitions }, async (partition, ct) =>
        {
            var random = new Random(partition);
            for (var batch = partition; batch < batches; batch += Partitions)
            {
                var first = batch * BatchSize;
                var events = Enumerable.Range(first, Math.Min(BatchSize, count - first)).Select(i => SyntheticEvents.Create(i, start.AddMilliseconds(i % 3_000_000), random)).ToList();
                var invocation = EventHubInvocation.Create(events, partition.ToString(), (long)(batch / Partitions) * BatchSize, DateTimeOffset.UtcNow);
                var result = await host.InvokeAsync("IngestAuditEvents", invocation, ct);
                if (!result.Succeeded || result.ReturnValue.GetProperty("accepted").GetInt32() != events.Count)
                {
                    throw new InvalidOperationException($"Ingest answered {result.Status}: {string.Join(" | ", result.Logs)}");
                }
                var total = Interlocked.Add(ref sent, events.Count);
                if (total / 500_000 != (total - events.Count) / 500_000)
                {
                    Console.WriteLine($"    ... {total:N0}");
                }
            }
        });
    }

    private static async Task<long> ExportedBytesAsync(Emulators emulators, string container)
    {
        long bytes = 0;
        await foreach (var blob in new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(container).GetBlobsAsync())
        {
            bytes += blob.Properties.ContentLength ?? 0;
        }
        return bytes;
    }

    private static async Task<string> CreateAdlsAsync(HttpClient api, Emulators emulators, string interval)
    {
        var container = "backlog-" + Handlers.RunId();
        await new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(container).CreateIfNotExistsAsync();
        var response = await api.PostAsJsonAsync("/api/export-configurations/adls-sas-token", new JsonObject
        {
            ["interval"] = interval, ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
            ["sasToken"] = AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddDays(1)), ["endpoint"] = $"http://127.0.0.1:{emulators.BlobPort}/{StorageConnection.DevelopmentAccountName}",
        });
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("connectionStatus").GetString() == "SUCCESS" ? container : throw new InvalidOperationException(json.ToString());
    }
}
