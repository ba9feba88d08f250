using AuditExport.Configurations;
using System.Diagnostics;
using AuditExport.Destinations;
using AuditExport.Observability;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>
/// Runs the export jobs of one configuration, exactly:
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
    SegmentReader segments,
    ExportDestinationFactory destinations,
    ExportConfigurationService configurations,
    SecretProtector secrets,
    ExportOptions options,
    TimeProvider clock,
    AuditExportMetrics metrics,
    ILogger<ExportJobRunner> logger)
{
    /// <summary>Segments read ahead of the upload: at most this many (each up to ~1 MiB) wait in memory.</summary>
    public const int ReadAhead = 16;

    public async Task<ExportRunResult> RunAsync(ExportConfiguration configuration, string trigger, ExportDeadline deadline, CancellationToken cancellationToken)
    {
        if (!deadline.Allows(TimeSpan.Zero))
        {
            return new ExportRunResult(configuration.Id, ExportRunOutcome.Deferred, null, "This invocation's time budget was spent before the configuration's turn.");
        }
        var runner = Guid.NewGuid().ToString("N");
        var state = await TakeLeaseAsync(configuration, runner, cancellationToken);
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
                    var more = lease.State.Watermark < WindowEnd();
                    if (more)
                    {
                        logger.LogInformation("Export of {Id}: {Jobs} jobs in {Elapsed:F0} s, the time budget ({Budget:F0} s) is spent; the export goes on from {Watermark:O} at the next run",
                            configuration.Id, jobs, deadline.Elapsed.TotalSeconds, deadline.Budget.TotalSeconds, lease.State.Watermark);
                    }
                    return await EndAsync(new ExportRunResult(configuration.Id, ExportRunOutcome.Ran, last) { Jobs = jobs, Records = records, MoreToExport = more });
                }
                var started = deadline.Elapsed;
                var (job, moreAfter) = await StartOrResumeJobAsync(configuration, lease, trigger, cancellationToken);
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

    private async Task<ExportState?> TakeLeaseAsync(ExportConfiguration configuration, string runner, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var now = clock.GetUtcNow();
            var state = await stores.GetStateAsync(configuration.Id, cancellationToken)
                ?? new ExportState(configuration.Id, InitialWatermark(configuration), null, null, null, null, null, null, null, null);
            if (state.LeaseOwner is not null && state.LeaseUntil > now)
            {
                return state;
            }
            try
            {
                return await stores.SaveStateAsync(state with { LeaseOwner = runner, LeaseUntil = now + options.Lease }, cancellationToken);
            }
            catch (ExportStores.ConflictException)
            {
                // Someone else wrote the state between our read and write: read again.
            }
        }
        return null;
    }

    private DateTimeOffset InitialWatermark(ExportConfiguration configuration) =>
        configuration.StartFrom == StartFrom.EARLIEST_RETAINED
            ? clock.GetUtcNow() - options.Retention * 2
            : configuration.CreatedAt;

    /// <summary>The job to run now, and whether more may follow it: it was redone (a fresh window comes next) or cut at the bound.</summary>
    private async Task<(ExportJob? Job, bool MoreAfter)> StartOrResumeJobAsync(ExportConfiguration configuration, LeaseKeeper lease, string trigger, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (lease.State.CurrentJobId is { } current && await stores.GetJobAsync(configuration.Id, current, cancellationToken) is { } unfinished)
        {
            if (unfinished.Status == ExportJobStatus.Succeeded)
            {
                return (unfinished, true);
            }
            logger.LogWarning("Export of {Id}: redoing job {Job} (attempt {Attempt}) with its window ({Start:O}, {End:O}]",
                configuration.Id, unfinished.JobId, unfinished.Attempts + 1, unfinished.WindowStart, unfinished.WindowEnd);
            var redo = unfinished.Redo(trigger, now);
            await stores.SaveJobAsync(redo, cancellationToken);
            return (redo, true);
        }

        var available = WindowEnd();
        var start = lease.State.Watermark;
        if (available <= start)
        {
            return (null, false);
        }
        var end = await segments.BoundedEndAsync(start, available, options.MaxRecordsPerJob, cancellationToken);
        if (end < available)
        {
            logger.LogInformation("Export of {Id}: the window ({Start:O}, {Available:O}] holds more than {Bound} records; this job covers ({Start:O}, {End:O}]",
                configuration.Id, start, available, options.MaxRecordsPerJob, start, end);
        }
        var job = new ExportJob(configuration.Id, ExportJob.NewJobId(end), start, end, ExportJobStatus.Running, 1, 0, 0, [], null, trigger, now, null);
        // The state names the job before its row exists: a crash or failure between the two leaves a name with no row
        // (the next run starts afresh from the same watermark), never a RUNNING row that no state names. The window is
        // recorded, in the row, before any upload.
        await lease.SaveAsync(s => s with { CurrentJobId = job.JobId }, cancellationToken);
        await stores.SaveJobAsync(job, cancellationToken);
        return (job, end < available);
    }

    /// <summary>
    /// The newest instant an export may reach: now minus the safety lag, in whole seconds, because object names
    /// carry the window end to the second and so no two windows may share one.
    /// </summary>
    private DateTimeOffset WindowEnd() => SegmentReader.TruncateToSecond(clock.GetUtcNow() - options.SafetyLag);

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
            var (records, objects, bytes) = await UploadAsync(configuration, lease, job, retry, cancellationToken);
            job = job with { Status = ExportJobStatus.Succeeded, Records = records, ObjectCount = objects.Count, Objects = objects, FinishedAt = clock.GetUtcNow() };
            await stores.SaveJobAsync(job, cancellationToken);
            await AdvanceAsync(lease, job, cancellationToken);
            metrics.JobEnded(configuration, job, bytes);
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
            metrics.JobEnded(configuration, job, 0);
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

    private async Task<(long Records, List<string> Objects, long Bytes)> UploadAsync(ExportConfiguration configuration, LeaseKeeper lease, ExportJob job, RetryPolicy retry, CancellationToken cancellationToken)
    {
        var secret = secrets.SecretOf(configuration);
        await using var destination = await destinations.OpenAsync(configuration.Id, configuration.Destination, secret, retry, cancellationToken);

        var objects = new List<string>();
        long records = 0, recordsInObject = 0, bytes = 0;
        IObjectWriter? writer = null;
        try
        {
            await foreach (var segment in Prefetch.AheadAsync(segments.ReadAsync(job.WindowStart, job.WindowEnd, cancellationToken), ReadAhead, cancellationToken))
            {
                if (writer is not null && (recordsInObject + segment.Count > options.MaxRecordsPerFile || writer.BytesWritten + segment.Payload.Length > options.MaxBytesPerFile))
                {
                    await CompleteAsync(writer, objects, configuration, job, recordsInObject, cancellationToken);
                    bytes += writer.BytesWritten;
                    await writer.DisposeAsync();
                    writer = null;
                    recordsInObject = 0;
                    await lease.RenewIfDueAsync(cancellationToken);
                }
                if (writer is null)
                {
                    objects.Add(ObjectNaming.Name(configuration, job.WindowEnd, objects.Count + 1));
                    writer = await destination.StartObjectAsync(objects[^1], ObjectNaming.ContentType, cancellationToken);
                }
                // A segment's payload is a complete gzip member: appended as it is, the object is a valid gzip file.
                await writer.WriteAsync(segment.Payload, cancellationToken);
                recordsInObject += segment.Count;
                records += segment.Count;
            }
            if (writer is not null)
            {
                await CompleteAsync(writer, objects, configuration, job, recordsInObject, cancellationToken);
                bytes += writer.BytesWritten;
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
        return (records, objects, bytes);
    }

    private async Task CompleteAsync(IObjectWriter writer, List<string> objects, ExportConfiguration configuration, ExportJob job, long records, CancellationToken cancellationToken)
    {
        await writer.CompleteAsync(cancellationToken);
        logger.LogInformation("Export of {Id} job {Job}: wrote {Object} ({Records} records, {Bytes} bytes)",
            configuration.Id, job.JobId, objects[^1], records, writer.BytesWritten);
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
        }, cancellationToken);
}
