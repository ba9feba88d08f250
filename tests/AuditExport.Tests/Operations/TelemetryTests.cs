using System.Diagnostics;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Operations;

/// <summary>
/// The handler's OpenTelemetry output after real runs, read through in-memory exporters: the values an
/// Application Insights or OTLP exporter would receive.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class TelemetryTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task Metrics_count_ingest_outcomes_latency_export_records_bytes_job_outcomes_and_health()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        await using var bench = await ExportBench.StartAsync(emulators);
        var telemetry = bench.Handler.Telemetry;
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        var (broken, _) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        var good = Samples.Numbered("metric", 5);
        var batch = good.Concat(["{\"id\": \"broken", Samples.Event("x", extra: ",\"n\":1").Replace("\"id\":\"x\",", "")]).ToList();
        var invocation = EventHubInvocation.Create(batch, "0", 100, bench.Clock.GetUtcNow().AddSeconds(-3)); // enqueued 3 s before it is stored

        Assert.True((await bench.Handler.Host.InvokeAsync("IngestAuditEvents", invocation)).Succeeded);
        Assert.True((await bench.Handler.Host.InvokeAsync("IngestAuditEvents", (JsonObject)invocation.DeepClone())).Succeeded); // redelivered

        Assert.Equal(5, telemetry.Value("auditexport.ingest.events", ("outcome", "accepted")));
        Assert.Equal(7, telemetry.Value("auditexport.ingest.events", ("outcome", "duplicate")));
        Assert.Equal(1, telemetry.Value("auditexport.ingest.events", ("outcome", "quarantined"), ("reason", "invalid_json")));
        Assert.Equal(1, telemetry.Value("auditexport.ingest.events", ("outcome", "quarantined"), ("reason", "invalid_id")));
        var latency = Assert.Single(telemetry.Points("auditexport.ingest.latency"));
        Assert.Equal((6.0, 2L), (latency.Value, latency.Count)); // two batches, 3 s each

        proxy.Rule = (_, method, _) => method == "PUT" ? 503 : null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        await bench.FireTimerAsync();

        var job = Assert.Single(await bench.JobsAsync(id));
        var objects = job.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!).ToList();
        long bytes = 0;
        foreach (var name in objects)
        {
            bytes += (await S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, name))!.Length;
        }
        Assert.Equal(5, telemetry.Value("auditexport.export.records", ("configuration.id", id), ("destination.type", "S3AccessKey")));
        Assert.Equal(bytes, telemetry.Value("auditexport.export.bytes", ("configuration.id", id)));
        Assert.Equal(1, telemetry.Value("auditexport.export.jobs", ("configuration.id", id), ("outcome", "SUCCEEDED")));
        Assert.Equal(1, telemetry.Value("auditexport.export.jobs", ("configuration.id", broken), ("outcome", "FAILED")));
        Assert.Equal(0, telemetry.Value("auditexport.export.records", ("configuration.id", broken)));

        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2).AddMinutes(10));
        var check = await bench.FireTimerAsync("CheckExportHealth");

        Assert.Equal(200, check.Status);
        Assert.Equal("CheckExportHealth: 1 HEALTHY, 1 FAILING", check.Body.GetProperty("Logs")[0].GetString());
        Assert.Equal(1, telemetry.Value("auditexport.configurations", ("health.state", "FAILING")));
        Assert.Equal(1, telemetry.Value("auditexport.configurations", ("health.state", "HEALTHY")));
        Assert.Equal(0, telemetry.Value("auditexport.configurations", ("health.state", "LATE")));
        Assert.Equal(600, telemetry.Value("auditexport.export.seconds_since_success", ("configuration.id", id)));
        Assert.Equal(2 * 3600 + 600, telemetry.Value("auditexport.export.seconds_since_success", ("configuration.id", broken))); // never succeeded: since creation
        Assert.Contains(bench.Handler.Logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains($"{broken}") && l.Contains("is FAILING: The last run failed"));

        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2).AddMinutes(40)); // the gauge is live: it reads the clock, not the snapshot's time
        Assert.Equal(2400, telemetry.Value("auditexport.export.seconds_since_success", ("configuration.id", id)));
    }

    [Fact]
    public async Task An_export_job_is_a_span_under_its_timer_invocation_with_its_storage_and_destination_calls_as_children_and_its_logs_carry_its_ids()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        await bench.IngestAsync(Samples.Numbered("span", 3));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        await bench.FireTimerAsync();

        var job = await bench.Handler.Telemetry.SpanAsync(s => s.OperationName == "export job" && (string?)s.GetTagItem("configuration.id") == id);
        Assert.Equal(3L, job.GetTagItem("export.records"));
        Assert.Equal(ActivityStatusCode.Unset, job.Status);
        var invocation = await bench.Handler.Telemetry.SpanAsync(s => s.SpanId == job.ParentSpanId);
        var spans = bench.Handler.Telemetry.Spans;
        Assert.Equal(ActivityKind.Server, invocation.Kind);
        Assert.Equal("/ExportEvery2Hours", invocation.GetTagItem("url.path"));

        bool Under(Activity span) => span.ParentSpanId == job.SpanId || spans.FirstOrDefault(p => p.SpanId == span.ParentSpanId) is { } parent && Under(parent);
        var calls = spans.Where(s => s.Kind == ActivityKind.Client && s.TraceId == job.TraceId && Under(s)).ToList();
        Assert.Contains(calls, c => (string?)c.GetTagItem("http.request.method") == "PUT"
            && ((string?)c.GetTagItem("url.full"))!.StartsWith(emulators.S3Endpoint.AbsoluteUri, StringComparison.Ordinal)); // the object upload
        Assert.Contains(calls, c => (string?)c.GetTagItem("http.request.method") == "GET"
            && ((string?)c.GetTagItem("url.full"))!.Contains("/devstoreaccount1/", StringComparison.Ordinal)); // the segment reads

        var logged = Assert.Single(bench.Handler.Telemetry.Logs, l => l.Message!.StartsWith($"Export of {id} job", StringComparison.Ordinal) && l.Message.Contains("succeeded"));
        Assert.Equal((job.TraceId, job.SpanId), (logged.TraceId, logged.SpanId));
    }

    [Fact]
    public async Task A_failed_invocations_log_records_carry_its_invocation_id_and_function_so_its_reasons_are_found_from_the_hosts_request()
    {
        var faults = new FaultInjectionPolicy { ShouldFail = (_, message) => FaultInjectionPolicy.IsTransaction(message) };
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        await using var handler = await TestHandler.StartAsync(settings, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 8, 15, 0, TimeSpan.Zero)), faults);

        var result = await handler.Host.InvokeAsync("IngestAuditEvents",
            AuditExport.LocalHost.EventHubInvocation.Create([Samples.Event("scoped")], "0", 0, new DateTimeOffset(2026, 11, 22, 8, 15, 0, TimeSpan.Zero)));

        Assert.Equal(500, result.Status); // the host reads no Logs from this answer
        await Task.Delay(200); // log records are exported as they end
        var reasons = handler.Telemetry.Logs.Where(l => l.Scopes.GetValueOrDefault("InvocationId") == result.InvocationId).ToList();
        Assert.Contains(reasons, l => l.Message?.StartsWith("Ingest failed; answering 500", StringComparison.Ordinal) == true);
        Assert.All(reasons, l => Assert.Equal("IngestAuditEvents", l.Scopes["FunctionName"]));
    }
}
