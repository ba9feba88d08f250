using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// The real handler process is killed at random moments while it ingests and while it exports, then started
/// again; every failed invocation is retried as the host retries it. The exported set must equal the accepted set.
/// </summary>
[Collection(EmulatorsCollection.Crashes)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class CrashTests(EmulatorsFixture emulators, ITestOutputHelper output)
{
    private const int Batches = 40;
    private const int BatchSize = 250;

    [Fact]
    public async Task Killing_the_handler_during_ingest_and_export_loses_nothing_and_duplicates_nothing()
    {
        var settings = KilledHandlerSetup.Settings(emulators);
        settings["ExportMaxRecordsPerFile"] = "500";
        var random = new Random(11);
        var handler = await HandlerProcess.StartAsync(settings);
        var kills = 0;
        async Task<FunctionsHostClient.Result> InvokeWithCrashesAsync(string function, JsonObject invocation, int killWithinMs)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var host = new FunctionsHostClient(handler.BaseAddress);
                var call = host.InvokeAsync(function, invocation);
                if (killWithinMs > 0 && random.NextDouble() < 0.5)
                {
                    await Task.Delay(random.Next(killWithinMs));
                    handler.Kill();
                    kills++;
                    try
                    {
                        await call;
                    }
                    catch (HttpRequestException)
                    {
                    }
                    await handler.DisposeAsync();
                    handler = await HandlerProcess.StartAsync(settings);
                    continue; // the host retries the invocation
                }
                var result = await call;
                if (result.Succeeded)
                {
                    return result;
                }
                Assert.True(attempt < 20, $"{function} keeps failing: {string.Join(" | ", result.Logs)}");
            }
        }

        try
        {
            var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
            var id = await KilledHandlerSetup.CreateS3ConfigurationAsync(handler, emulators.S3Endpoint, bucket);

            var start = DateTimeOffset.UtcNow.AddMinutes(-10);
            var events = Enumerable.Range(0, Batches * BatchSize).Select(i => SyntheticEvents.Create(i, start.AddMilliseconds(i), random)).ToList();
            var accepted = events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("id").GetString()!).ToHashSet();
            foreach (var (batch, i) in events.Chunk(BatchSize).Select((b, i) => (b, i)))
            {
                await InvokeWithCrashesAsync("IngestAuditEvents", EventHubInvocation.Create(batch, (i % 2).ToString(), (long)(i / 2) * BatchSize, DateTimeOffset.UtcNow), killWithinMs: 60);
            }
            var ingestKills = kills;
            var ingestedBy = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(2));

            for (var run = 1; ; run++)
            {
                await InvokeWithCrashesAsync("ExportEvery2Hours", KilledHandlerSetup.Timer(), killWithinMs: run <= 4 ? 400 : 0);
                await using var door = await FrontDoor.StartAsync(handler.BaseAddress); // the handler's port changes with each restart
                using var api = door.CreateClient();
                var last = await api.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}");
                if (last.TryGetProperty("lastExport", out var export) && export.TryGetProperty("status", out var status) && status.GetString() == "SUCCEEDED"
                    && export.GetProperty("watermark").GetDateTimeOffset() >= ingestedBy)
                {
                    break;
                }
                Assert.True(run < 30, $"export has not caught up after {run} runs: {last}");
                await Task.Delay(TimeSpan.FromSeconds(1)); // a killed run's lease expires after 5 s
            }

            await using var readerDoor = await FrontDoor.StartAsync(handler.BaseAddress);
            using var reader = readerDoor.CreateClient();
            var exported = await ExactlyOnceChecks.ExportedIdsAsync(reader, id, emulators.S3Endpoint, bucket);
            output.WriteLine($"handler killed {kills} times ({ingestKills} during ingest, {kills - ingestKills} during export); {exported.Count} lines exported");
            Assert.True(ingestKills >= 5 && kills > ingestKills, $"too few crashes to prove anything: {ingestKills} during ingest, {kills - ingestKills} during export");
            ExactlyOnceChecks.AssertSameSetExactlyOnce(accepted, exported);
        }
        finally
        {
            await handler.DisposeAsync();
        }
    }
}
