using AuditExport.AuditStore;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Export;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Benchmarks;

/// <summary>
/// Export of one window of N events to the S3 emulator and to Azurite blob, each by a fresh handler process
/// (so its peak memory is the export's own), against the ceiling of the same table: a raw key-range read of
/// the same segments, payloads reassembled. Beside it the raw write rate of each destination, to show where the time goes.
/// </summary>
public static class ExportBenchmark
{
    public static async Task RunAsync(Emulators emulators, Workload workload, Results results)
    {
        var settings = Handlers.Settings(emulators.StorageConnectionString, Handlers.RunId());
        string s3Id, adlsId;
        await using (var ingest = await HandlerProcess.StartAsync(settings))
        {
            using var api = ingest.CreateApiClient(TimeSpan.FromMinutes(30));
            var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
            s3Id = await CreateAsync(api, "s3-access-key", new JsonObject
            {
                ["interval"] = "EVERY_24_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
                ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
            });
            var container = "bench-" + Handlers.RunId();
            await new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(container).CreateIfNotExistsAsync();
            adlsId = await CreateAsync(api, "adls-sas-token", new JsonObject
            {
                ["interval"] = "EVERY_24_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
                ["sasToken"] = AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddDays(1)), ["endpoint"] = $"http://127.0.0.1:{emulators.BlobPort}/{StorageConnection.DevelopmentAccountName}",
            });
            Console.WriteLine($"    ingesting {workload.Events.Count:N0} events for the export window ...");
            await Handlers.IngestAsync(ingest, workload.Invocations(500, 4));
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the 1 s safety lag

        var (ceiling, bytes) = await ReadCeilingAsync(emulators, settings["AuditEventsTable"]);
        var destinations = new[]
        {
            ("S3 (s3rver)", s3Id, (Func<Task<TimeSpan>>)(() => WriteCeiling.S3Async(emulators, bytes))),
            ("ADLS (Azurite blob)", adlsId, () => WriteCeiling.BlobAsync(emulators, bytes)),
        };
        foreach (var (label, id, writeCeiling) in destinations)
        {
            var write = await writeCeiling();
            await using var exporter = await HandlerProcess.StartAsync(settings);
            using var api = exporter.CreateApiClient(TimeSpan.FromMinutes(30));
            var idle = exporter.PeakWorkingSetBytes;
            var stopwatch = Stopwatch.StartNew();
            var response = await api.PostAsync($"/api/export-configurations/{id}/export", null);
            var elapsed = stopwatch.Elapsed;
            var job = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (!response.IsSuccessStatusCode || job.GetProperty("status").GetString() != "SUCCEEDED" || job.GetProperty("records").GetInt64() != workload.Events.Count)
            {
                throw new InvalidOperationException($"Export to {label} did not export the window: {job}");
            }
            results.Add(new Measurement("Export", $"{workload.Events.Count:N0} events to {label}", new()
            {
                ["ceiling events/s"] = workload.Events.Count / ceiling.TotalSeconds,
                ["ours events/s"] = workload.Events.Count / elapsed.TotalSeconds,
                ["ours MiB/s"] = workload.MiB / elapsed.TotalSeconds,
                ["ratio"] = ceiling.TotalSeconds / elapsed.TotalSeconds,
                ["write ceiling events/s"] = workload.Events.Count / write.TotalSeconds,
                ["ratio to read then write"] = (ceiling + write).TotalSeconds / elapsed.TotalSeconds,
                ["peak working set MB"] = exporter.PeakWorkingSetBytes / 1e6,
                ["idle working set MB"] = idle / 1e6,
                ["objects"] = job.GetProperty("objects").GetInt32(),
            }));
        }
        await DigestCostAsync(emulators, workload, results, settings, bytes);
    }

    /// <summary>
    /// What the signed digests cost: the same window exported to S3 by handlers with digests on and off, alternately
    /// (three rounds for a large window: this machine varies ±20 % between runs, less between neighbours), each by a
    /// fresh configuration that starts from the earliest retained event. SHA-256 of every exported byte is done either
    /// way (a WORM destination's redo compares by it), so it is measured alone, in-process, beside.
    /// </summary>
    private static async Task DigestCostAsync(Emulators emulators, Workload workload, Results results, Dictionary<string, string> settings, long payloadBytes)
    {
        var rounds = workload.Events.Count >= 1_000_000 ? 3 : 1;
        var times = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var digests in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var mode = new Dictionary<string, string>(settings) { ["ExportDigests"] = digests ? "true" : "false" };
                await using var exporter = await HandlerProcess.StartAsync(mode);
                using var api = exporter.CreateApiClient(TimeSpan.FromMinutes(30));
                var id = await CreateAsync(api, "s3-access-key", new JsonObject
                {
                    ["interval"] = "EVERY_24_HOURS", ["bucket"] = await S3Buckets.CreateAsync(emulators.S3Endpoint), ["region"] = "us-east-1",
                    ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER", ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
                    ["startFrom"] = "EARLIEST_RETAINED",
                });
                var stopwatch = Stopwatch.StartNew();
                var response = await api.PostAsync($"/api/export-configurations/{id}/export", null);
                var elapsed = stopwatch.Elapsed.TotalSeconds;
                var job = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (job.GetProperty("status").GetString() != "SUCCEEDED" || job.GetProperty("records").GetInt64() != workload.Events.Count
                    || job.TryGetProperty("digest", out _) != digests)
                {
                    throw new InvalidOperationException($"The export with digests {(digests ? "on" : "off")} did not export the window as expected: {job}");
                }
                times[digests].Add(elapsed);
            }
        }
        var on = Median(times[true]);
        var off = Median(times[false]);
        var hashing = Stopwatch.StartNew();
        var buffer = new byte[1024 * 1024];
        Random.Shared.NextBytes(buffer);
        using (var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        {
            for (long done = 0; done < payloadBytes; done += buffer.Length)
            {
                sha256.AppendData(buffer, 0, (int)Math.Min(buffer.Length, payloadBytes - done));
            }
            sha256.GetHashAndReset();
        }
        results.Add(new Measurement("Export", $"{workload.Events.Count:N0} events to S3 (s3rver), digests on vs off, median of {rounds}", new()
        {
            ["on s"] = on,
            ["off s"] = off,
            ["throughput on ÷ off"] = off / on,
            ["SHA-256 of the objects s"] = hashing.Elapsed.TotalSeconds,
            ["SHA-256 share of the export"] = hashing.Elapsed.TotalSeconds / on,
        }, "Digests: two small objects per job and an Ed25519 signature; SHA-256 runs either way"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The faster of two raw reads of every segment (pages as large as the service gives, and pages of 8 as the export reads), and the payload bytes read.</summary>
    private static async Task<(TimeSpan Elapsed, long Bytes)> ReadCeilingAsync(Emulators emulators, string table)
    {
        var large = await ReadAllAsync(emulators, table, top: null);
        var small = await ReadAllAsync(emulators, table, top: SegmentReader.PageSize);
        return large.Elapsed < small.Elapsed ? large : small;
    }

    private static async Task<(TimeSpan Elapsed, long Bytes)> ReadAllAsync(Emulators emulators, string table, int? top)
    {
        var tables = new TableServiceClient(emulators.StorageConnectionString).GetTableClient(table);
        var stopwatch = Stopwatch.StartNew();
        long bytes = 0;
        for (var shard = 0; shard < new AuditTableOptions().ShardCount; shard++)
        {
            foreach (var partitionKey in new[] { DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow }.Select(m => AuditEventKeys.PartitionKey(m, shard)).Distinct())
            {
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey lt {"~"}");
                await foreach (var entity in tables.QueryAsync<TableEntity>(filter, top))
                {
                    bytes += SegmentEntity.ReadPayload(entity).Length;
                }
            }
        }
        return bytes > 0 ? (stopwatch.Elapsed, bytes) : throw new InvalidOperationException("The ceiling read found no segments.");
    }

    private static async Task<string> CreateAsync(HttpClient api, string kind, JsonObject body)
    {
        var response = await api.PostAsJsonAsync($"/api/export-configurations/{kind}", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("connectionStatus").GetString() == "SUCCESS" ? json.GetProperty("id").GetString()! : throw new InvalidOperationException(json.ToString());
    }
}
