using AuditExport.Tests.Infrastructure;
using Azure.Core;

namespace AuditExport.Tests.Export;

/// <summary>
/// No job is left RUNNING that the export state does not name (issue 25, finding 10): the write that names the new
/// job fails, through the storage pipeline as a kill would cut it, and the jobs API never shows a job that will not finish.
/// </summary>
[Collection(EmulatorsCollection.Export)]
public sealed class OrphanedJobTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task A_failed_write_naming_a_new_job_leaves_no_job_running_that_no_state_names()
    {
        var armed = true;
        var storage = new FaultInjectionPolicy
        {
            ShouldFail = (_, message) => Volatile.Read(ref armed) && message.Request.Method != RequestMethod.Get && AfterJobSucceeded.Body(message).Contains("\"CurrentJobId\":\"", StringComparison.Ordinal),
        };
        await using var bench = await ExportBench.StartAsync(emulators, start: ExportBench.Start.AddTicks(1_234_567), storage: storage); // created at 08:00:00.1234567
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        await bench.IngestAsync([Samples.Event("orphan-check")]);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var failed = await bench.FireTimerAsync();
        Volatile.Write(ref armed, false);
        Assert.False(failed.Succeeded, "the run whose state write failed fails");
        Assert.True(storage.Injected > 0);

        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(4).AddMinutes(1)); // past the lease of the failed run
        var next = await bench.FireTimerAsync();

        Assert.True(next.Succeeded, string.Join(" | ", next.Logs));
        var jobs = await bench.JobsAsync(id);
        Assert.DoesNotContain(jobs, j => j.GetProperty("status").GetString() == "RUNNING");
        Assert.Equal("SUCCEEDED", Assert.Single(jobs).GetProperty("status").GetString());
        // The first window starts at the configuration's creation, on a whole second like every window end.
        Assert.Equal(0, jobs[0].GetProperty("windowStart").GetDateTimeOffset().Ticks % TimeSpan.TicksPerSecond);
    }
}
