using AuditExport.LocalHost;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Export;

/// <summary>The export engine end to end: ingest, timers fired as the host fires them, objects read back.</summary>
[Collection(EmulatorsCollection.Export)]
public sealed class ExportEngineTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task Timer_exports_every_ingested_event_byte_for_byte_to_S3_and_ADLS_with_the_documented_names()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (s3, bucket) = await bench.CreateS3ConfigurationAsync();
        var (adls, container) = await bench.CreateAdlsConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        await bench.IngestAsync(Samples.FixtureEvents);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var fired = await bench.FireTimerAsync();

        Assert.Equal(200, fired.Status);
        Assert.Equal(2, fired.ReturnValue.GetProperty("succeeded").GetInt32());
        Assert.Equal(32, fired.ReturnValue.GetProperty("records").GetInt64());
        Assert.Equal(Samples.FixtureEvents, await bench.ExportedLinesAsync(s3, bench.S3Reader(bucket)));
        Assert.Equal(Samples.FixtureEvents, await bench.ExportedLinesAsync(adls, bench.BlobReader(container)));

        var job = Assert.Single(await bench.JobsAsync(s3));
        Assert.Equal("SUCCEEDED", job.GetProperty("status").GetString());
        Assert.Equal(16, job.GetProperty("records").GetInt64());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal($"audit/2026/11/22/09/audit_20261122T095900Z_{s3}_00001.jsonl.gz", job.GetProperty("objectNames")[0].GetString());
        Assert.Matches(new Regex(@"^lake/audit/2026/11/22/09/audit_20261122T095900Z_[0-9a-f-]{36}_00001\.jsonl\.gz$"),
            (await bench.JobsAsync(adls))[0].GetProperty("objectNames")[0].GetString());

        var configuration = await bench.ConfigurationAsync(s3);
        var lastExport = configuration.GetProperty("lastExport");
        Assert.Equal("SUCCEEDED", lastExport.GetProperty("status").GetString());
        Assert.Equal(16, lastExport.GetProperty("records").GetInt64());
        Assert.Equal(60, lastExport.GetProperty("lagSeconds").GetInt64()); // now - watermark = the safety lag

        // Job ids read as the window's end and the configuration, so the two destinations' jobs of one window differ.
        var adlsJob = Assert.Single(await bench.JobsAsync(adls));
        Assert.Equal($"20261122T095900Z-{s3.Replace("-", "")[..8]}", job.GetProperty("id").GetString());
        Assert.Equal($"20261122T095900Z-{adls.Replace("-", "")[..8]}", adlsJob.GetProperty("id").GetString());
        Assert.Equal(job.GetProperty("id").GetString(), lastExport.GetProperty("jobId").GetString());
        Assert.Equal(ExportJob.RowKey(job.GetProperty("windowEnd").GetDateTimeOffset()), ExportJob.RowKeyOf(Guid.Parse(s3), job.GetProperty("id").GetString()!));
        Assert.Null(ExportJob.RowKeyOf(Guid.Parse(adls), job.GetProperty("id").GetString()!)); // another configuration's job names nothing here
    }

    [Fact]
    public async Task Files_roll_at_the_record_limit_and_an_empty_window_records_a_job_without_objects()
    {
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerFile"] = "10");
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        var events = Samples.Numbered("roll", 25);
        foreach (var chunk in events.Chunk(5))
        {
            await bench.IngestAsync(chunk); // five segments of five events
        }
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        await bench.FireTimerAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        await bench.FireTimerAsync();

        var jobs = await bench.JobsAsync(id);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(0, jobs[0].GetProperty("objects").GetInt32()); // newest first: the empty window
        Assert.Equal("SUCCEEDED", jobs[0].GetProperty("status").GetString());
        Assert.Equal(3, jobs[1].GetProperty("objects").GetInt32()); // 10 + 10 + 5 records
        Assert.Equal(["_00001", "_00002", "_00003"], jobs[1].GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()![^15..^9]));
        Assert.Equal(events, await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    [Fact]
    public async Task A_crash_between_upload_and_watermark_is_redone_with_the_same_window_and_names()
    {
        var hooks = new CrashOnce();
        await using var bench = await ExportBench.StartAsync(emulators, hooks: hooks);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        var events = Samples.Numbered("crash", 30);
        await bench.IngestAsync(events);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        await bench.FireTimerAsync();
        var crashed = Assert.Single(await bench.JobsAsync(id));
        Assert.Equal("FAILED", crashed.GetProperty("status").GetString());
        Assert.Equal("watermark", hooks.Crashed);

        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(3));
        await bench.IngestAsync(Samples.Numbered("after", 3));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        await bench.FireTimerAsync(); // redoes the crashed job, then exports the new window in the same run

        var jobs = await bench.JobsAsync(id);
        Assert.Equal(2, jobs.Count);
        var redone = jobs.Single(j => j.GetProperty("id").GetString() == crashed.GetProperty("id").GetString());
        Assert.Equal("SUCCEEDED", redone.GetProperty("status").GetString());
        Assert.Equal(2, redone.GetProperty("attempts").GetInt32());
        Assert.Equal(crashed.GetProperty("windowEnd").GetString(), redone.GetProperty("windowEnd").GetString());
        Assert.Equal(hooks.UploadedNames, redone.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!).ToList());
        Assert.Equal(events.Concat(Samples.Numbered("after", 3)), await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    private sealed class CrashOnce : AfterJobSucceeded
    {
        public string? Crashed { get; private set; }
        public List<string> UploadedNames { get; } = [];

        protected override Task ActAsync(IReadOnlyList<string> objectNames)
        {
            if (Crashed is null)
            {
                Crashed = "watermark";
                UploadedNames.AddRange(objectNames);
                throw new IOException("Simulated crash after the upload, before the watermark");
            }
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_double_fired_timer_runs_one_job_per_configuration()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        var events = Samples.Numbered("double", 40);
        await bench.IngestAsync(events);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var results = await Task.WhenAll(bench.FireTimerAsync(), bench.FireTimerAsync(), bench.FireTimerAsync());

        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.Equal(1, results.Sum(r => r.ReturnValue.GetProperty("succeeded").GetInt32()));
        Assert.Equal(2, results.Sum(r => r.ReturnValue.GetProperty("busy").GetInt32() + r.ReturnValue.GetProperty("upToDate").GetInt32()));
        Assert.Single(await bench.JobsAsync(id));
        Assert.Equal(events, await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    [Fact]
    public async Task Export_now_while_a_run_holds_the_lease_is_refused_with_409()
    {
        var gate = new HoldAtWatermark();
        await using var bench = await ExportBench.StartAsync(emulators, hooks: gate);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        await bench.IngestAsync(Samples.Numbered("lease", 5));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var timer = bench.FireTimerAsync();
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var (status, body) = await bench.ExportNowAsync(id);
        gate.Release.SetResult();
        await timer;

        Assert.Equal(409, status);
        Assert.Equal("An export of this configuration is already running.", body.GetProperty("title").GetString());
        Assert.Single(await bench.JobsAsync(id));
    }

    private sealed class HoldAtWatermark : AfterJobSucceeded
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task ActAsync(IReadOnlyList<string> objectNames)
        {
            Reached.TrySetResult();
            await Release.Task;
        }
    }

    [Fact]
    public async Task Late_events_with_old_timestamps_are_exported_by_the_next_job()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        await bench.IngestAsync(Samples.Numbered("on-time", 3));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        await bench.FireTimerAsync();

        var late = Samples.Numbered("late", 2, timestamp: "\"2026-11-19T12:00:00Z\"");
        await bench.IngestAsync(late);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        await bench.FireTimerAsync();

        var jobs = await bench.JobsAsync(id);
        Assert.Equal(2, jobs[0].GetProperty("records").GetInt64());
        Assert.Equal(Samples.Numbered("on-time", 3).Concat(late), await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    [Fact]
    public async Task Configurations_keep_their_own_watermarks_and_disabled_or_other_interval_ones_are_skipped()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (early, earlyBucket) = await bench.CreateS3ConfigurationAsync();
        var (disabled, _) = await bench.CreateS3ConfigurationAsync(enabled: false);
        var (daily, _) = await bench.CreateS3ConfigurationAsync(interval: "EVERY_24_HOURS");
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(10));
        var before = Samples.Numbered("before", 4);
        await bench.IngestAsync(before);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(20));
        var (late, lateBucket) = await bench.CreateS3ConfigurationAsync(); // created after the first events
        var (earliest, earliestBucket) = await bench.CreateS3ConfigurationAsync(startFrom: "EARLIEST_RETAINED");
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(30));
        var after = Samples.Numbered("after", 3);
        await bench.IngestAsync(after);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var fired = await bench.FireTimerAsync();

        Assert.Equal(3, fired.ReturnValue.GetProperty("configurations").GetInt32());
        Assert.Equal(before.Concat(after), await bench.ExportedLinesAsync(early, bench.S3Reader(earlyBucket)));
        Assert.Equal(after, await bench.ExportedLinesAsync(late, bench.S3Reader(lateBucket)));
        Assert.Equal(before.Concat(after), await bench.ExportedLinesAsync(earliest, bench.S3Reader(earliestBucket)));
        Assert.Empty(await bench.JobsAsync(disabled));
        Assert.Empty(await bench.JobsAsync(daily));
        var (status, _) = await bench.ExportNowAsync(disabled);
        Assert.Equal(409, status);
    }

    [Fact]
    public async Task S3_failing_mid_upload_fails_the_job_keeps_the_watermark_and_the_next_run_exports_everything_once()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerFile"] = "5");
        var (id, bucket) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        var events = Samples.Numbered("mid", 20);
        foreach (var chunk in events.Chunk(5))
        {
            await bench.IngestAsync(chunk);
        }
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        var puts = 0;
        proxy.Rule = (_, method, _) => method == "PUT" && Interlocked.Increment(ref puts) > 2 ? 500 : null; // the third object and later fail

        await bench.FireTimerAsync();

        var failed = Assert.Single(await bench.JobsAsync(id));
        Assert.Equal("FAILED", failed.GetProperty("status").GetString());
        Assert.StartsWith("PutObject audit/2026/11/22/09/", failed.GetProperty("failureReason").GetString());
        Assert.Contains("failed after 2 attempts: the endpoint answered HTTP 500 (InternalError)", failed.GetProperty("failureReason").GetString()); // a custom endpoint's own words are not repeated
        var state = (await bench.ConfigurationAsync(id)).GetProperty("lastExport");
        Assert.Equal("FAILED", state.GetProperty("status").GetString());
        Assert.Equal(ExportBench.Start.AddMinutes(0).ToString("O")[..16], state.GetProperty("watermark").GetDateTimeOffset().ToString("O")[..16]);

        proxy.Rule = (_, _, _) => null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        await bench.FireTimerAsync();

        var jobs = await bench.JobsAsync(id);
        Assert.Equal(2, jobs.Count); // the failed job redone, then the (empty) next window
        var redone = jobs.Single(j => j.GetProperty("id").GetString() == failed.GetProperty("id").GetString());
        Assert.Equal("SUCCEEDED", redone.GetProperty("status").GetString());
        Assert.Equal(2, redone.GetProperty("attempts").GetInt32());
        Assert.Equal(4, redone.GetProperty("objects").GetInt32());
        Assert.Equal(events, await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }

    [Fact]
    public async Task Access_denied_fails_the_job_at_once_and_the_configuration_status_says_why()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxAttempts"] = "5");
        var (id, _) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        await bench.IngestAsync(Samples.Numbered("denied", 3));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        proxy.Rule = (_, method, _) => method == "PUT" ? 403 : null;

        await bench.FireTimerAsync();

        Assert.Equal(1, proxy.Injected); // not retried
        var job = Assert.Single(await bench.JobsAsync(id));
        Assert.Equal("the endpoint answered HTTP 403 (AccessDenied)", job.GetProperty("failureReason").GetString()); // a custom endpoint's own words are not repeated
        var configuration = await bench.ConfigurationAsync(id);
        Assert.Equal($"Error exporting to S3 bucket {configuration.GetProperty("endpointConfiguration").GetProperty("bucket")} using AccessKey S3RVER - the endpoint answered HTTP 403 (AccessDenied)",
            configuration.GetProperty("connectionStatus").GetString());

        proxy.Rule = (_, _, _) => null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4));
        await bench.FireTimerAsync();
        Assert.Equal("SUCCESS", (await bench.ConfigurationAsync(id)).GetProperty("connectionStatus").GetString());
    }

    [Fact]
    public async Task A_window_across_the_month_boundary_exports_both_months()
    {
        var start = new DateTimeOffset(2026, 10, 31, 22, 0, 0, TimeSpan.Zero);
        await using var bench = await ExportBench.StartAsync(emulators, start: start);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(new DateTimeOffset(2026, 10, 31, 23, 59, 30, TimeSpan.Zero));
        var october = Samples.Numbered("oct", 3, timestamp: "\"2026-10-31T23:59:00Z\"");
        await bench.IngestAsync(october);
        bench.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        var november = Samples.Numbered("nov", 2, timestamp: "\"2026-11-01T00:00:10Z\"");
        await bench.IngestAsync(november);
        bench.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 10, 0, TimeSpan.Zero));

        await bench.FireTimerAsync();

        var job = Assert.Single(await bench.JobsAsync(id));
        Assert.Equal(5, job.GetProperty("records").GetInt64());
        Assert.StartsWith("audit/2026/11/01/00/audit_20261101T000900Z_", job.GetProperty("objectNames")[0].GetString());
        Assert.Equal(october.Concat(november), await bench.ExportedLinesAsync(id, bench.S3Reader(bucket)));
    }
}
