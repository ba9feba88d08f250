using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// A backlog ten times the job bound, exported by the real handler process with a one-second time budget per
/// invocation, and the process killed in the middle of a job's upload: the backlog needs several invocations,
/// the killed job is redone with the same window and object names, and every event arrives exactly once.
/// </summary>
[Collection(EmulatorsCollection.Crashes)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class BacklogCrashTests(EmulatorsFixture emulators, ITestOutputHelper output)
{
    private const int Bound = 100;

    [Fact]
    public async Task A_backlog_is_exported_across_invocations_exactly_once_with_an_invocation_killed_mid_job()
    {
        await using var s3 = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        var settings = KilledHandlerSetup.Settings(emulators);
        settings["ExportMaxRecordsPerJob"] = Bound.ToString();
        settings["ExportMaxRecordsPerFile"] = "40"; // each 50-event segment its own object: a job writes several
        settings["ExportTimeBudgetSeconds"] = "1";
        var handler = await HandlerProcess.StartAsync(settings);
        try
        {
            var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
            var id = await KilledHandlerSetup.CreateS3ConfigurationAsync(handler, s3.Endpoint, bucket);

            // 1,000 events in batches of 50, two batches a second: about ten jobs of at most two seconds each.
            var events = Samples.Numbered("backlog", 1000);
            using (var host = new FunctionsHostClient(handler.BaseAddress))
            {
                foreach (var (batch, i) in events.Chunk(50).Select((b, i) => (b, i)))
                {
                    var ingested = await host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(batch, "0", i * 50L, DateTimeOffset.UtcNow));
                    Assert.True(ingested.Succeeded, string.Join(" | ", ingested.Logs));
                    await Task.Delay(500);
                }
            }
            var ingestedBy = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(2)); // past the safety lag

            // Every PUT is slow (jobs take time), and one PUT in the second invocation hangs while the process is killed.
            var puts = 0;
            var killAt = int.MaxValue;
            var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            s3.Faults = (_, method, _) =>
            {
                if (method != "PUT")
                {
                    return null;
                }
                if (Interlocked.Increment(ref puts) == Volatile.Read(ref killAt))
                {
                    hanging.TrySetResult();
                    return new Fault(FaultKind.Hang, Delay: TimeSpan.FromSeconds(10));
                }
                return new Fault(FaultKind.Slow, Delay: TimeSpan.FromMilliseconds(150));
            };

            var invocations = new List<JsonElement>();
            using (var host = new FunctionsHostClient(handler.BaseAddress))
            {
                var first = await host.InvokeAsync("ExportEvery2Hours", KilledHandlerSetup.Timer());
                Assert.True(first.Succeeded, string.Join(" | ", first.Logs));
                invocations.Add(first.ReturnValue);
                Assert.Equal(1, first.ReturnValue.GetProperty("behind").GetInt32());
            }

            Volatile.Write(ref killAt, Volatile.Read(ref puts) + 2); // the second object of the next job
            using (var host = new FunctionsHostClient(handler.BaseAddress))
            {
                var killed = host.InvokeAsync("ExportBacklogs", KilledHandlerSetup.Timer());
                await hanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
                handler.Kill();
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => killed);
            }
            await handler.DisposeAsync();
            handler = await HandlerProcess.StartAsync(settings);

            for (var run = 1; ; run++)
            {
                using var host = new FunctionsHostClient(handler.BaseAddress);
                var result = await host.InvokeAsync("ExportBacklogs", KilledHandlerSetup.Timer());
                Assert.True(result.Succeeded, string.Join(" | ", result.Logs));
                invocations.Add(result.ReturnValue);
                if (result.ReturnValue.GetProperty("configurations").GetInt32() == 0)
                {
                    break; // nothing behind any more
                }
                Assert.True(run < 40, $"the backlog is not done after {run} runs: {result.Body}");
                await Task.Delay(TimeSpan.FromMilliseconds(500)); // the killed run's lease expires after 5 s
            }

            await using var readerDoor = await FrontDoor.StartAsync(handler.BaseAddress);
            using var reader = readerDoor.CreateClient();
            var configuration = await reader.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}");
            Assert.True(configuration.GetProperty("lastExport").GetProperty("watermark").GetDateTimeOffset() >= ingestedBy, configuration.ToString());
            var jobs = (await reader.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}/jobs")).EnumerateArray().ToList();
            var withJobs = invocations.Count(i => i.GetProperty("jobs").GetInt32() > 0);
            output.WriteLine($"{jobs.Count} jobs over {withJobs} invocations that ran jobs ({invocations.Count} in all, one more killed); records per job: "
                + string.Join(", ", jobs.AsEnumerable().Reverse().Select(j => j.GetProperty("records").GetInt64())));

            Assert.True(jobs.Count >= 5, $"a backlog of ten times the bound should be several jobs, was {jobs.Count}");
            Assert.True(withJobs >= 3, $"the backlog should need several invocations, needed {withJobs}");
            Assert.All(jobs, j => Assert.Equal("SUCCEEDED", j.GetProperty("status").GetString()));
            var redone = Assert.Single(jobs, j => j.GetProperty("attempts").GetInt32() > 1);
            Assert.Equal("INTERRUPTED", redone.GetProperty("history")[0].GetProperty("outcome").GetString());

            // The killed attempt wrote objects under the same names the redo wrote: nothing in the bucket that no job names
            // (its objects, its digest and the digest's signature).
            var named = jobs.SelectMany(j => j.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!)
                .Concat([j.GetProperty("digest").GetString()!, j.GetProperty("digest").GetString()! + ".sig"])).ToHashSet();
            using var client = S3Buckets.Client(emulators.S3Endpoint);
            var stored = (await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket })).S3Objects
                .Select(o => o.Key).Where(k => k != AuditExport.Destinations.ConnectionTester.ProbeObjectName).ToHashSet(); // written by the creation's connection test
            Assert.Equal(named.Order(), stored.Order());

            var accepted = events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("id").GetString()!).ToHashSet();
            ExactlyOnceChecks.AssertSameSetExactlyOnce(accepted, await ExactlyOnceChecks.ExportedIdsAsync(reader, id, emulators.S3Endpoint, bucket));
        }
        finally
        {
            await handler.DisposeAsync();
        }
    }
}
