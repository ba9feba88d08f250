using System.Net.Http.Json;
using System.Text.Json;
using AuditExport.Export;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Operations;

/// <summary>
/// An operator's questions, answered through the API after real runs: which configurations are behind or
/// failing and why, every attempt of a job, and a timer run that failed shows as a failed invocation.
/// </summary>
[Collection(EmulatorsCollection.Export)]
public sealed class ExportHealthTests(EmulatorsFixture emulators)
{
    private static JsonElement Health(JsonElement configuration) => configuration.GetProperty("health");

    private static string State(JsonElement configuration) => Health(configuration).GetProperty("state").GetString()!;

    [Fact]
    public async Task A_destination_that_is_down_makes_the_configuration_FAILING_with_every_attempt_kept_then_HEALTHY_again()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
        var (disabled, _) = await bench.CreateS3ConfigurationAsync(enabled: false);
        Assert.Equal("NEVER_RUN", State(await bench.ConfigurationAsync(id)));
        Assert.Equal("DISABLED", State(await bench.ConfigurationAsync(disabled)));

        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        var events = Samples.Numbered("down", 6);
        await bench.IngestAsync(events);
        proxy.Rule = (_, method, _) => method == "PUT" ? 503 : null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        var first = await bench.FireTimerAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        var second = await bench.FireTimerAsync();

        // The host counts the invocation as failed; the answer says which configuration and why.
        Assert.Equal(500, first.Status);
        Assert.Equal(1, first.ReturnValue.GetProperty("failed").GetInt32());
        Assert.Contains(first.Body.GetProperty("Logs").EnumerateArray(), l => l.GetString()!.Contains($"failed {id}: PutObject", StringComparison.Ordinal));
        var failing = await bench.ConfigurationAsync(id);
        Assert.Equal("FAILING", State(failing));
        Assert.Equal(2, Health(failing).GetProperty("consecutiveFailures").GetInt32());
        Assert.Contains("The last 2 runs failed (no export has succeeded yet)", Health(failing).GetProperty("reason").GetString());
        Assert.Contains("ServiceUnavailable", Health(failing).GetProperty("reason").GetString());
        Assert.False(Health(failing).TryGetProperty("lastSuccessAt", out _));
        // connectionStatus keeps Immuta's meaning: only an access error or a connection test changes it.
        Assert.Equal("SUCCESS", failing.GetProperty("connectionStatus").GetString());

        var attention = await bench.Http.GetFromJsonAsync<JsonElement>("/api/export-configurations?health=FAILING,LATE");
        Assert.Equal([id], attention.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        var never = await bench.Http.GetFromJsonAsync<JsonElement>("/api/export-configurations?health=never_run");
        Assert.Empty(never.EnumerateArray());

        proxy.Rule = (_, _, _) => null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(6));
        var third = await bench.FireTimerAsync();

        Assert.Equal(200, third.Status);
        var healthy = await bench.ConfigurationAsync(id);
        Assert.Equal("HEALTHY", State(healthy));
        Assert.Equal(0, Health(healthy).GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(bench.Clock.GetUtcNow(), Health(healthy).GetProperty("lastSuccessAt").GetDateTimeOffset());
        Assert.Equal(60, Health(healthy).GetProperty("lagSeconds").GetInt64()); // the safety lag: exported up to now − 60 s
        Assert.Equal(2 * 3600 + 60 + 30 * 60, Health(healthy).GetProperty("lateAfterSeconds").GetInt64());

        var job = (await bench.JobsAsync(id)).Single(j => j.GetProperty("attempts").GetInt32() == 3);
        var history = job.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["FAILED", "FAILED", "SUCCEEDED"], history.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal([1, 2, 3], history.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal([ExportBench.Start.AddHours(2), ExportBench.Start.AddHours(4), ExportBench.Start.AddHours(6)],
            history.Select(a => a.GetProperty("startedAt").GetDateTimeOffset()));
        Assert.All(history.Take(2), a => Assert.Contains("ServiceUnavailable", a.GetProperty("failureReason").GetString()));
        Assert.False(history[2].TryGetProperty("failureReason", out _));
        Assert.Equal(events, await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    [Fact]
    public async Task A_configuration_whose_timer_stops_becomes_LATE_once_interval_plus_safety_lag_plus_margin_has_passed()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        var (never, _) = await bench.CreateS3ConfigurationAsync(interval: "EVERY_4_HOURS");
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        var fired = await bench.FireTimerAsync(); // no event yet: the events table does not even exist
        Assert.Equal(200, fired.Status);
        Assert.Equal("HEALTHY", State(await bench.ConfigurationAsync(id)));

        var lateAfter = TimeSpan.FromHours(2) + TimeSpan.FromSeconds(60) + ExportHealth.LateMargin;
        var watermark = ExportBench.Start.AddHours(2).AddSeconds(-60);
        bench.Clock.SetUtcNow(watermark + lateAfter);
        Assert.Equal("HEALTHY", State(await bench.ConfigurationAsync(id))); // exactly at the limit: not yet
        Assert.Equal("NEVER_RUN", State(await bench.ConfigurationAsync(never))); // 4-hour configuration, created 4 h 31 min ago: not yet due

        bench.Clock.SetUtcNow(watermark + lateAfter + TimeSpan.FromSeconds(1));
        var late = await bench.ConfigurationAsync(id);
        Assert.Equal("LATE", State(late));
        Assert.StartsWith("Nothing exported for 2 h 31 min (watermark 2026-11-22T09:59:00", Health(late).GetProperty("reason").GetString());
        Assert.Equal((long)(lateAfter.TotalSeconds + 1), Health(late).GetProperty("lagSeconds").GetInt64());

        bench.Clock.SetUtcNow(ExportBench.Start + TimeSpan.FromHours(4) + TimeSpan.FromSeconds(60) + ExportHealth.LateMargin + TimeSpan.FromSeconds(1));
        var neverRan = await bench.ConfigurationAsync(never);
        Assert.Equal("LATE", State(neverRan));
        Assert.StartsWith("No export has run in the 4 h 31 min since it was created", Health(neverRan).GetProperty("reason").GetString());

        var bad = await bench.Http.GetAsync("/api/export-configurations?health=SICK");
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("'SICK' is not one of HEALTHY, LATE, FAILING, DISABLED, NEVER_RUN", await bad.Content.ReadAsStringAsync());
    }
}
