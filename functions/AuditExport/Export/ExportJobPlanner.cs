using AuditExport.AuditStore;
using AuditExport.Configurations;
using AuditExport.Storage;
using Microsoft.Extensions.Logging;
using Polly;

namespace AuditExport.Export;

/// <summary>
/// What a configuration exports next: takes its lease, then names the job to run, an unfinished one with its recorded
/// window, or a new window (watermark, now − lag] cut at <see cref="ExportOptions.MaxRecordsPerJob"/> records, which is
/// recorded (named by the state, then written) before anything is uploaded.
/// </summary>
public sealed class ExportJobPlanner(ExportStores stores, SegmentReader segments, ExportOptions options, TimeProvider clock, ILogger<ExportJobPlanner> logger)
{
    public async Task<ExportState?> TakeLeaseAsync(ExportConfiguration configuration, string runner, CancellationToken cancellationToken)
    {
        try
        {
            return await _redoOnConflict.ExecuteAsync(async ct =>
            {
                var now = clock.GetUtcNow();
                var state = await stores.GetStateAsync(configuration.Id, ct)
                    ?? new ExportState(configuration.Id, InitialWatermark(configuration), null, null, null, null, null, null, null, null);
                if (state.LeaseOwner is not null && state.LeaseUntil > now)
                {
                    return state; // held by another runner
                }
                return await stores.SaveStateAsync(state with { LeaseOwner = runner, LeaseUntil = now + options.Lease }, ct);
            }, cancellationToken);
        }
        catch (ExportStores.ConflictException)
        {
            return null; // others kept writing the state between our reads and writes
        }
    }

    /// <summary>Someone else wrote the state between our read and write: read again.</summary>
    private readonly ResiliencePipeline _redoOnConflict = Retries.OnConcurrentChange(3, e => e is ExportStores.ConflictException, (_, _) => { });

    private DateTimeOffset InitialWatermark(ExportConfiguration configuration) =>
        // Whole seconds, as every window end is: object names carry window ends to the second.
        SegmentReader.TruncateToSecond(configuration.StartFrom == StartFrom.EARLIEST_RETAINED
            ? clock.GetUtcNow() - options.Retention * 2
            : configuration.CreatedAt);

    /// <summary>The job to run now, and whether more may follow it: it was redone (a fresh window comes next) or cut at the bound.</summary>
    public async Task<(ExportJob? Job, bool MoreAfter)> StartOrResumeJobAsync(ExportConfiguration configuration, LeaseKeeper lease, string trigger, CancellationToken cancellationToken)
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
        var job = new ExportJob(configuration.Id, ExportJob.NewJobId(configuration.Id, end), start, end, ExportJobStatus.Running, 1, 0, 0, [], null, trigger, now, null);
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
    public DateTimeOffset WindowEnd() => SegmentReader.TruncateToSecond(clock.GetUtcNow() - options.SafetyLag);
}
