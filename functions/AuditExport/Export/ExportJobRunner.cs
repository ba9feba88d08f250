using AuditExport.Configurations;
using System.Diagnostics;
using AuditExport.Destinations;
using AuditExport.Observability;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>
/// Runs the export jobs of one configuration, exactly (planning in <see cref="ExportJobPlanner"/>, writing in
/// <see cref="ExportJobUploader"/>; here the loop, the time budget and the books):
/// <list type="number">
/// <item>takes the configuration's lease (a second timer, instance or export-now finds it busy);</item>
/// <item>redoes an unfinished job with its recorded window, or records a new window (watermark, now − lag] first,
/// cut at <see cref="ExportOptions.MaxRecordsPerJob"/> records, and goes on with further jobs while time remains;</item>
/// <item>streams the window's segments into rolling gzip JSON Lines objects with deterministic names;</item>
/// <item>marks the job succeeded, then advances the watermark; a failure leaves the watermark and the job's
/// window in place, so the next run overwrites the same objects instead of adding new ones.</item>
/// </list>
/// </summary>
public sealed class ExportJobRunner(
    ExportStores stores,
    ExportJobPlanner planner,
    ExportJobUploader uploader,
    ExportConfigurationService configurations,
    ExportOptions options,
    TimeProvider clock,
    AuditExportMetrics metrics,
    ILogger<ExportJobRunner> logger)
{
    public async Task<ExportRunResult> RunAsync(ExportConfiguration configuration, string trigger, ExportDeadline deadline, CancellationToken cancellationToken)
    {
        if (!deadline.Allows(TimeSpan.Zero))
        {
            return new ExportRunResult(configuration.Id, ExportRunOutcome.Deferred, null, "This invocation's time budget was spent before the configuration's turn.");
        }
        var runner = Guid.NewGuid().ToString("N");
        var state = await planner.TakeLeaseAsync(configuration, runner, cancellationToken);
        if (state is null || state.LeaseOwner != runner)
        {
            var running = state?.CurrentJobId is { } id ? await stores.GetJobAsync(configuration.Id, id, cancellationToken) : null;
            logger.LogInformation("Export of {Id} skipped: another run holds its lease", configuration.Id);
            return new ExportRunResult(configuration.Id, ExportRunOutcome.Busy, running, "An export of this configuration is already running.");
        }

        var lease = new LeaseKeeper(stores, state, options.Lease, clock);
        try
        {
            // Bounded jobs one after another: an unfinished job first, then fresh ones from the watermark, while the
            // longest job so far still fits in the time left. Each job commits its own watermark advance.
            ExportJob? last = null;
            var jobs = 0;
            long records = 0;
            var longest = TimeSpan.Zero;
            async Task<ExportRunResult> EndAsync(ExportRunResult result)
            {
                if (lease.State.Backlog != result.MoreToExport)
                {
                    await lease.SaveAsync(s => s with { Backlog = result.MoreToExport }, cancellationToken);
                }
                return result;
            }
            while (true)
            {
                if (last is not null && !deadline.Allows(longest))
                {
                    var more = lease.State.Watermark < planner.WindowEnd();
                    if (more)
                    {
                        logger.LogInformation("Export of {Id}: {Jobs} jobs in {Elapsed:F0} s, the time budget ({Budget:F0} s) is spent; the export goes on from {Watermark:O} at the next run",
                            configuration.Id, jobs, deadline.Elapsed.TotalSeconds, deadline.Budget.TotalSeconds, lease.State.Watermark);
                    }
                    return await EndAsync(new ExportRunResult(configuration.Id, ExportRunOutcome.Ran, last) { Jobs = jobs, Records = records, MoreToExport = more });
                }
                var started = deadline.Elapsed;
                var (job, moreAfter) = await planner.StartOrResumeJobAsync(configuration, lease, trigger, cancellationToken);
                if (job is null)
                {
                    return await EndAsync(last is null
                        ? new ExportRunResult(configuration.Id, ExportRunOutcome.UpToDate, null, "Nothing to export yet: the window is empty.")
                        : new ExportRunResult(configuration.Id, ExportRunOutcome.Ran, last) { Jobs = jobs, Records = records });
                }
                if (job.Status == ExportJobStatus.Succeeded)
                {
                    await AdvanceAsync(lease, job, cancellationToken); // uploaded before a crash; only the watermark was left
                }
                else
                {
                    job = await ExecuteAsync(configuration, lease, job, cancellationToken);
                }
                last = job;
                jobs++;
                longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, (deadline.Elapsed - started).Ticks));
                if (job.Status != ExportJobStatus.Succeeded)
                {
                    return new ExportRunResult(configuration.Id, ExportRunOutcome.Ran, job) { Jobs = jobs, Records = records };
                }
                records += job.Records;
                if (!moreAfter)
                {
                    return await EndAsync(new ExportRunResult(configuration.Id, ExportRunOutcome.Ran, job) { Jobs = jobs, Records = records });
                }
            }
        }
        finally
        {
            await lease.ReleaseAsync();
        }
    }

    private async Task<ExportJob> ExecuteAsync(ExportConfiguration configuration, LeaseKeeper lease, ExportJob job, CancellationToken cancellationToken)
    {
        var retry = new RetryPolicy(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay, logger, serviceText: configuration.Destination.Endpoint is null);
        // The job's span: the storage reads and destination writes below are its children.
        using var activity = AuditExportMetrics.Activities.StartActivity("export job");
        activity?.SetTag("configuration.id", configuration.Id.ToString());
        activity?.SetTag("export.job.id", job.JobId);
        activity?.SetTag("export.job.attempt", job.Attempts);
        activity?.SetTag("export.window.start", job.WindowStart.ToString("O"));
        activity?.SetTag("export.window.end", job.WindowEnd.ToString("O"));
        activity?.SetTag("destination.type", configuration.Destination.Type.ToString());
        try
        {
            var (records, objects, bytes, digest, digestSha256) = await uploader.UploadAsync(configuration, lease, job, retry, cancellationToken);
            job = job with
            {
                Status = ExportJobStatus.Succeeded, Records = records, ObjectCount = objects.Count, Objects = objects, FinishedAt = clock.GetUtcNow(),
                Digest = digest, DigestSha256 = digestSha256,
            };
            await stores.SaveJobAsync(job, cancellationToken);
            await AdvanceAsync(lease, job, cancellationToken);
            metrics.JobEnded(configuration.Id, configuration.Destination.Type.ToString(), succeeded: true, records, bytes);
            activity?.SetTag("export.records", records);
            logger.LogInformation("Export of {Id} job {Job} succeeded: {Records} records in {Objects} objects, window ({Start:O}, {End:O}]",
                configuration.Id, job.JobId, records, objects.Count, job.WindowStart, job.WindowEnd);
            if (configuration.ConnectionStatus != ExportConfiguration.Success)
            {
                await configurations.RecordConnectionStatusAsync(configuration.Id, ExportConfiguration.Success, cancellationToken);
            }
            return job;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (await configurations.GetAsync(configuration.Id, CancellationToken.None) is null)
            {
                return await StoppedByDeleteAsync(job);
            }
            var reason = RetryPolicy.Describe(e, serviceText: configuration.Destination.Endpoint is null);
            job = job with { Status = ExportJobStatus.Failed, FailureReason = reason, FinishedAt = clock.GetUtcNow() };
            metrics.JobEnded(configuration.Id, configuration.Destination.Type.ToString(), succeeded: false, 0, 0);
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            logger.LogError("Export of {Id} job {Job} failed (attempt {Attempt}); the watermark stays at {Watermark:O} and the next run redoes the same window: {Reason}",
                configuration.Id, job.JobId, job.Attempts, job.WindowStart, reason);
            await stores.SaveJobAsync(job, CancellationToken.None);
            await lease.SaveAsync(s => s with
            {
                LastJobId = job.JobId, LastStatus = job.Status.ToString(), LastFinishedAt = job.FinishedAt, LastRecords = 0, LastFailureReason = reason,
                ConsecutiveFailures = s.ConsecutiveFailures + 1,
            }, CancellationToken.None);
            if (e is DestinationAccessException)
            {
                await configurations.RecordConnectionStatusAsync(configuration.Id, $"Error exporting to {configuration.Destination.Describe()} - {reason}", CancellationToken.None);
            }
            return job;
        }
    }

    /// <summary>The configuration was deleted while its job ran (its state with it): the job's record says so and nothing else is written.</summary>
    private async Task<ExportJob> StoppedByDeleteAsync(ExportJob job)
    {
        const string reason = "The configuration was deleted during this export; the job stopped. Objects it had already uploaded stay in the destination.";
        job = job with { Status = ExportJobStatus.Failed, FailureReason = reason, FinishedAt = clock.GetUtcNow() };
        logger.LogWarning("Export of {Id} job {Job} stopped: the configuration was deleted while it ran", job.ConfigurationId, job.JobId);
        await stores.SaveJobAsync(job, CancellationToken.None);
        return job;
    }

    private Task AdvanceAsync(LeaseKeeper lease, ExportJob job, CancellationToken cancellationToken) =>
        lease.SaveAsync(s => s with
        {
            Watermark = job.WindowEnd,
            CurrentJobId = null,
            LastJobId = job.JobId,
            LastStatus = job.Status.ToString(),
            LastFinishedAt = job.FinishedAt,
            LastRecords = job.Records,
            LastFailureReason = null,
            LastSuccessAt = job.FinishedAt,
            ConsecutiveFailures = 0,
            LastDigest = job.Digest ?? s.LastDigest,
            LastDigestSha256 = job.Digest is null ? s.LastDigestSha256 : job.DigestSha256,
        }, cancellationToken);
}
