using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Export;

/// <summary>A backlog is exported as a sequence of bounded jobs, each committed on its own, within each invocation's time budget.</summary>
[Collection(EmulatorsCollection.Export)]
public sealed class BoundedJobTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task A_backlog_is_cut_into_jobs_of_at_most_the_bound_at_whole_seconds_each_committed_in_order()
    {
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerJob"] = "70");
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        var events = Samples.Numbered("bound", 300);
        foreach (var (batch, i) in events.Chunk(30).Select((b, i) => (b, i)))
        {
            bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(10 + i)); // one batch of 30 per second, over two shards' partitions
            await bench.IngestAsync(batch, partition: (i % 2).ToString());
        }
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));

        var response = await bench.Http.PostAsync($"/api/export-configurations/{id}/export", null);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("5", Assert.Single(response.Headers.GetValues("X-Export-Jobs")));
        Assert.Equal("false", Assert.Single(response.Headers.GetValues("X-More-To-Export")));
        var jobs = (await bench.JobsAsync(id)).AsEnumerable().Reverse().ToList();
        // 2 seconds (60 records) fit under 70, a third would not: the cut falls at the whole second before it.
        Assert.Equal([60, 60, 60, 60, 60], jobs.Select(j => j.GetProperty("records").GetInt64()));
        Assert.All(jobs, j => Assert.Equal("SUCCEEDED", j.GetProperty("status").GetString()));
        Assert.Equal(ExportBench.Start.AddSeconds(11), jobs[0].GetProperty("windowEnd").GetDateTimeOffset());
        for (var i = 1; i < jobs.Count; i++)
        {
            Assert.Equal(jobs[i - 1].GetProperty("windowEnd").GetDateTimeOffset(), jobs[i].GetProperty("windowStart").GetDateTimeOffset());
        }
        Assert.Equal(bench.Clock.GetUtcNow().AddSeconds(-60), jobs[^1].GetProperty("windowEnd").GetDateTimeOffset());
        Assert.Equal(events.Order(), (await bench.ExportedLinesAsync(id, bench.S3Reader(bucket))).Order());
        Assert.Equal(jobs.Count, jobs.SelectMany(j => j.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString())).Distinct().Count());
    }

    [Fact]
    public async Task One_second_holding_more_than_the_bound_is_one_job_because_names_carry_the_second()
    {
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerJob"] = "10");
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        var crowded = Samples.Numbered("crowded", 40);
        bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(30));
        await bench.IngestAsync(crowded.Take(20).ToList(), "0");
        await bench.IngestAsync(crowded.Skip(20).ToList(), "1");
        bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(31));
        await bench.IngestAsync(Samples.Numbered("after", 5));
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));

        var (status, _) = await bench.ExportNowAsync(id);

        Assert.Equal(200, status);
        var jobs = (await bench.JobsAsync(id)).AsEnumerable().Reverse().ToList();
        Assert.Equal([40, 5], jobs.Select(j => j.GetProperty("records").GetInt64()));
        Assert.Equal(ExportBench.Start.AddSeconds(30), jobs[0].GetProperty("windowEnd").GetDateTimeOffset());
        Assert.Equal(45, (await bench.ExportedLinesAsync(id, bench.S3Reader(bucket))).Distinct().Count());
    }

    [Fact]
    public async Task The_bound_is_counted_across_the_month_boundary_where_segments_change_partition()
    {
        var lastMinute = new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero);
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerJob"] = "15", start: lastMinute);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        var events = Samples.Numbered("month", 40, timestamp: "\"2026-10-31T23:50:00Z\"");
        foreach (var (batch, i) in events.Chunk(10).Select((b, i) => (b, i)))
        {
            bench.Clock.SetUtcNow(lastMinute.AddSeconds(58 + i)); // 23:59:58 and :59 in October's partitions, 00:00:00 and :01 in November's
            await bench.IngestAsync(batch);
        }
        bench.Clock.SetUtcNow(lastMinute.AddMinutes(10));

        var (status, _) = await bench.ExportNowAsync(id);

        Assert.Equal(200, status);
        var jobs = (await bench.JobsAsync(id)).AsEnumerable().Reverse().ToList();
        Assert.Equal([10, 10, 10, 10], jobs.Select(j => j.GetProperty("records").GetInt64()));
        Assert.Equal([lastMinute.AddSeconds(58), lastMinute.AddSeconds(59), lastMinute.AddSeconds(60), bench.Clock.GetUtcNow().AddSeconds(-60)],
            jobs.Select(j => j.GetProperty("windowEnd").GetDateTimeOffset()));
        Assert.Equal(events.Order(), (await bench.ExportedLinesAsync(id, bench.S3Reader(bucket))).Order());
    }

    [Fact]
    public async Task An_invocation_stops_at_its_time_budget_and_the_backlog_timer_finishes_the_rest_exactly_once()
    {
        await using var slowS3 = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        slowS3.Faults = (_, method, _) => method == "PUT" ? new Fault(FaultKind.Slow, Delay: TimeSpan.FromMilliseconds(300)) : null;
        await using var bench = await ExportBench.StartAsync(emulators, s =>
        {
            s["ExportMaxRecordsPerJob"] = "20";
            s["ExportTimeBudgetSeconds"] = "1";
        });
        var (id, bucket) = await bench.CreateS3ConfigurationAsync(endpoint: slowS3.Endpoint);
        var events = Samples.Numbered("budget", 200);
        foreach (var (batch, i) in events.Chunk(20).Select((b, i) => (b, i)))
        {
            bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(10 + i));
            await bench.IngestAsync(batch);
        }
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var tick = await bench.FireTimerAsync();
        Assert.Equal(200, tick.Status);
        var first = tick.ReturnValue.GetProperty("jobs").GetInt32();
        Assert.InRange(first, 1, 4); // each job takes at least 300 ms of PUT; the next starts only while the longest still fits in 1 s
        Assert.Equal(1, tick.ReturnValue.GetProperty("behind").GetInt32());
        Assert.Contains("with more to export", tick.Logs.Single());

        var backlogRuns = 0;
        var jobsRun = first;
        while (true)
        {
            var run = await bench.FireTimerAsync("ExportBacklogs");
            Assert.Equal(200, run.Status);
            backlogRuns++;
            jobsRun += run.ReturnValue.GetProperty("jobs").GetInt32();
            if (run.ReturnValue.GetProperty("behind").GetInt32() == 0)
            {
                break;
            }
            Assert.True(backlogRuns < 20, $"the backlog is not done after {backlogRuns} runs: {run.Body}");
        }

        Assert.True(backlogRuns >= 2, $"the backlog should need several invocations, took {backlogRuns}");
        Assert.Equal(10, jobsRun);
        Assert.Equal(events.Order(), (await bench.ExportedLinesAsync(id, bench.S3Reader(bucket))).Order());
        var configuration = await bench.ConfigurationAsync(id);
        Assert.Equal(bench.Clock.GetUtcNow().AddSeconds(-60), configuration.GetProperty("lastExport").GetProperty("watermark").GetDateTimeOffset());
        var nothingLeft = await bench.FireTimerAsync("ExportBacklogs");
        Assert.Equal(0, nothingLeft.ReturnValue.GetProperty("configurations").GetInt32());
    }

    [Fact]
    public async Task The_backlog_timer_leaves_failing_and_caught_up_configurations_to_their_own_timers()
    {
        await using var broken = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        await using var bench = await ExportBench.StartAsync(emulators);
        var (healthy, _) = await bench.CreateS3ConfigurationAsync();
        await bench.CreateS3ConfigurationAsync(endpoint: broken.Endpoint);
        broken.Rule = (_, method, _) => method == "PUT" ? 403 : null;
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        await bench.IngestAsync(Samples.Numbered("steady", 5));
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        Assert.Equal(500, (await bench.FireTimerAsync()).Status); // the refusing destination fails its run

        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(30)); // both far behind now, but neither stopped at a time budget
        var run = await bench.FireTimerAsync("ExportBacklogs");

        Assert.Equal(200, run.Status);
        Assert.Equal(0, run.ReturnValue.GetProperty("configurations").GetInt32());
        Assert.Equal(ExportBench.Start.AddHours(2).AddSeconds(-60), (await bench.ConfigurationAsync(healthy)).GetProperty("lastExport").GetProperty("watermark").GetDateTimeOffset());
    }
}
