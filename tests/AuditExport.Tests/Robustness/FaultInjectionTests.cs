using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// 10 % of all requests to Table, Blob and S3 fail (500, 503 and 429 with Retry-After, resets before and after
/// the service acted, slow answers, hangs). Batches are redelivered as Event Hubs does and retried as the host
/// does; exports run until they catch up. The exported set must equal the accepted set: no loss, no duplicate.
/// </summary>
[Collection(EmulatorsCollection.Robustness)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class FaultInjectionTests(EmulatorsFixture emulators, ITestOutputHelper output)
{
    private const int EventCount = 50_000;
    private const int BatchSize = 500;
    private const double FaultRate = 0.10;

    [Fact]
    public async Task With_ten_percent_faults_on_every_dependency_the_exported_set_equals_the_accepted_set()
    {
        var stopwatch = Stopwatch.StartNew();
        await using var tableProxy = await FaultyProxy.StartAsync(new Uri($"http://127.0.0.1:{emulators.TableService().Uri.Port}/"));
        await using var blobProxy = await FaultyProxy.StartAsync(new Uri($"http://127.0.0.1:{emulators.BlobService().Uri.Port}/"));
        await using var s3Proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        var connection = $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
            $"TableEndpoint={tableProxy.Endpoint}{StorageConnection.DevelopmentAccountName};BlobEndpoint={blobProxy.Endpoint}{StorageConnection.DevelopmentAccountName};";
        var settings = TestHandler.IsolatedSettings(connection, out _, out _);
        settings["ExportJobsTable"] = EmulatorsFixture.UniqueName("jobs");
        settings["ExportStateTable"] = EmulatorsFixture.UniqueName("state");
        settings["ExportSafetyLagSeconds"] = "1";
        settings["ExportLeaseSeconds"] = "30";
        settings["ExportRetryBaseDelayMilliseconds"] = "20";
        settings["DestinationRequestTimeoutSeconds"] = "5";
        settings["ExportMaxRecordsPerFile"] = "1000"; // about 50 objects, so S3 meets its share of faults
        await using var handler = await TestHandler.StartAsync(settings);
        using var api = handler.Http();

        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var configuration = await api.PostAsJsonAsync("/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
            ["endpoint"] = s3Proxy.Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        });
        var created = await configuration.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(configuration.IsSuccessStatusCode, created + "\n" + string.Join("\n", handler.Logs.Where(l => l.StartsWith("Error") || l.StartsWith("Warn"))));
        var id = created.GetProperty("id").GetString()!;

        tableProxy.Faults = FaultyProxy.RandomFaults(FaultRate, seed: 1);
        blobProxy.Faults = FaultyProxy.RandomFaults(FaultRate, seed: 2);
        s3Proxy.Faults = FaultyProxy.RandomFaults(FaultRate, seed: 3);

        // Ingest: 100 batches over 4 partitions; a quarter delivered twice; every failed invocation retried, as the host does.
        var random = new Random(7);
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var events = Enumerable.Range(0, EventCount).Select(i => SyntheticEvents.Create(i, start.AddMilliseconds(i), random)).ToList();
        var accepted = events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("id").GetString()!).ToHashSet();
        int failedInvocations = 0, redeliveries = 0;
        var batches = events.Chunk(BatchSize).Select((chunk, i) => (Partition: (i % 4).ToString(), First: (long)(i / 4) * BatchSize, Events: chunk)).ToList();
        await Parallel.ForEachAsync(batches.GroupBy(b => b.Partition), async (partition, _) =>
        {
            foreach (var batch in partition)
            {
                var deliveries = random.NextDouble() < 0.25 ? 2 : 1;
                for (var delivery = 0; delivery < deliveries; delivery++)
                {
                    // One malformed message per batch, so quarantine (Blob and Table) meets faults too.
                    var invocation = EventHubInvocation.Create([.. batch.Events, $"{{\"id\":\"bad-{batch.Partition}-{batch.First}\""], batch.Partition, batch.First * 2, DateTimeOffset.UtcNow);
                    for (var attempt = 1; ; attempt++)
                    {
                        var result = await handler.Host.InvokeAsync("IngestAuditEvents", invocation);
                        if (result.Succeeded)
                        {
                            break;
                        }
                        Interlocked.Increment(ref failedInvocations);
                        Assert.True(attempt < 50, $"batch {batch.Partition}/{batch.First} still failing after 50 attempts: {string.Join(" | ", result.Logs)}");
                    }
                }
                Interlocked.Add(ref redeliveries, deliveries - 1);
            }
        });
        var ingestedBy = DateTimeOffset.UtcNow;
        output.WriteLine($"ingest done in {stopwatch.Elapsed.TotalSeconds:F0} s: {failedInvocations} failed invocations retried, {redeliveries} batches redelivered; faults injected so far: table {tableProxy.Injected}, blob {blobProxy.Injected}");

        // Export: timer runs until the watermark has passed the last ingest.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var runs = 0;
        while (true)
        {
            runs++;
            await handler.Host.InvokeAsync("ExportEvery2Hours", new JsonObject { ["Data"] = new JsonObject(), ["Metadata"] = new JsonObject() });
            var last = await ExactlyOnceChecks.RetryAsync(() => api.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}"));
            if (last.TryGetProperty("lastExport", out var export) && export.GetProperty("watermark").GetDateTimeOffset() >= ingestedBy
                && export.TryGetProperty("status", out var status) && status.GetString() == "SUCCEEDED")
            {
                break;
            }
            Assert.True(runs < 40, $"export has not caught up after {runs} runs: {last}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var injected = (Table: tableProxy.Injected, Blob: blobProxy.Injected, S3: s3Proxy.Injected);
        tableProxy.Faults = blobProxy.Faults = s3Proxy.Faults = (_, _, _) => null;

        var exported = await ExactlyOnceChecks.ExportedIdsAsync(api, id, emulators.S3Endpoint, bucket);
        var recovered = handler.Logs.Count(l => l.Contains("changed concurrently"));
        output.WriteLine($"export caught up after {runs} timer runs; faults injected: table {injected.Table}, blob {injected.Blob}, s3 {injected.S3}; " +
            $"ingest re-read its ledger after a conflicting retry {recovered} times; {exported.Count} lines exported; {stopwatch.Elapsed.TotalSeconds:F0} s in all");
        Assert.True(injected.Table > 10 && injected.Blob > 0 && injected.S3 > 0, $"too few faults to prove anything: {injected}");
        ExactlyOnceChecks.AssertSameSetExactlyOnce(accepted, exported);
    }
}
