using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Export;

[Collection(EmulatorsCollection.Export)]
public sealed class RetentionTests(EmulatorsFixture emulators)
{
    private static readonly DateTimeOffset June = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    private static async Task<FunctionsHostClient.Result> PurgeAsync(ExportBench bench) =>
        await bench.Handler.Host.InvokeAsync("PurgeExpiredAuditEvents", new JsonObject { ["Data"] = new JsonObject(), ["Metadata"] = new JsonObject() });

    private async Task<int> StoredCountAsync(ExportBench bench) =>
        (await StoredEventsReport.ReadSegmentsAsync(emulators.TableService(), bench.Settings["AuditEventsTable"])).Sum(s => s.Count);

    [Fact]
    public async Task A_month_past_retention_is_kept_until_every_enabled_configuration_has_exported_it()
    {
        await using var bench = await ExportBench.StartAsync(emulators, start: June.AddDays(-1));
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        await bench.CreateS3ConfigurationAsync(enabled: false); // a disabled configuration never holds data back
        bench.Clock.SetUtcNow(June);
        var events = Enumerable.Range(0, 6).Select(i => Samples.Event($"june-{i}", timestamp: "\"2026-06-10T11:00:00Z\"")).ToList();
        await bench.IngestAsync(events);

        bench.Clock.SetUtcNow(new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero)); // June ended more than 90 days ago
        var kept = await PurgeAsync(bench);
        Assert.Equal(200, kept.Status);
        Assert.Equal(["2026-06"], kept.ReturnValue.GetProperty("keptMonths").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(6, await StoredCountAsync(bench));

        await bench.FireTimerAsync();
        Assert.Equal(events, await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
        var purged = await PurgeAsync(bench);

        Assert.Equal(["2026-06"], purged.ReturnValue.GetProperty("purgedMonths").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(0, await StoredCountAsync(bench));
        Assert.Contains(bench.Handler.Logs, l => l.Contains("Month 2026-06 purged"));
    }

    [Fact]
    public async Task Months_within_retention_are_never_touched_and_past_twice_the_retention_they_go_anyway_with_an_error()
    {
        await using var bench = await ExportBench.StartAsync(emulators, start: June.AddDays(-1));
        await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(June);
        await bench.IngestAsync([Samples.Event("old", timestamp: "\"2026-06-10T11:00:00Z\"")]);

        bench.Clock.SetUtcNow(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero)); // within 90 days of June's end
        var within = await PurgeAsync(bench);
        Assert.Empty(within.ReturnValue.GetProperty("purgedMonths").EnumerateArray());
        Assert.Empty(within.ReturnValue.GetProperty("keptMonths").EnumerateArray());

        bench.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)); // more than 180 days after June's end, never exported
        var forced = await PurgeAsync(bench);

        Assert.Equal(["2026-06"], forced.ReturnValue.GetProperty("purgedMonths").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(0, await StoredCountAsync(bench));
        Assert.Contains(bench.Handler.Logs, l => l.StartsWith("Error") && l.Contains("Month 2026-06 deleted at twice the retention"));
    }
}
