using System.Collections.Concurrent;
using AuditExport.Configurations;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>What one timer run did, per configuration. <c>Behind</c>: runs that stopped for the time budget with more to export.</summary>
public sealed record ScheduledExportSummary(int Configurations, int Succeeded, int Failed, int Busy, int UpToDate, int Deferred, int Behind, int Jobs, long Records, IReadOnlyList<string> Failures);

/// <summary>
/// A timer's run: every due configuration, several at once (ExportParallelism), all within one time budget
/// (ExportTimeBudgetSeconds); one configuration's failure never stops the others.
/// </summary>
public sealed class ScheduledExport(ExportConfigurationService configurations, ExportStores stores, ExportJobRunner runner, ExportOptions options, ILogger<ScheduledExport> logger)
{
    /// <summary>The interval timer: every enabled configuration of that interval.</summary>
    public async Task<ScheduledExportSummary> RunAsync(ExportInterval interval, string trigger, CancellationToken cancellationToken)
    {
        var deadline = ExportDeadline.After(options.TimeBudget);
        var due = (await configurations.ListAsync(cancellationToken)).Where(c => c.Enabled && c.Interval == interval).ToList();
        logger.LogInformation("{Trigger}: exporting {Count} enabled {Interval} configurations, {Parallelism} at a time", trigger, due.Count, interval, options.Parallelism);
        return await RunAsync(due, trigger, deadline, cancellationToken);
    }

    /// <summary>
    /// The backlog timer: enabled configurations whose last run stopped at its time budget with more to export, or
    /// whose job was cut off (a timeout, a crash), so that a large backlog does not wait for its interval's next tick.
    /// A failing configuration is left to its own timer, so that a destination that is down is not retried more often.
    /// </summary>
    public async Task<ScheduledExportSummary> RunBacklogAsync(string trigger, CancellationToken cancellationToken)
    {
        var deadline = ExportDeadline.After(options.TimeBudget);
        var behind = new List<ExportConfiguration>();
        foreach (var configuration in (await configurations.ListAsync(cancellationToken)).Where(c => c.Enabled))
        {
            if (await stores.GetStateAsync(configuration.Id, cancellationToken) is { WantsBacklogRun: true })
            {
                behind.Add(configuration);
            }
        }
        logger.LogInformation("{Trigger}: {Count} configurations have a backlog", trigger, behind.Count);
        return await RunAsync(behind, trigger, deadline, cancellationToken);
    }

    private async Task<ScheduledExportSummary> RunAsync(List<ExportConfiguration> due, string trigger, ExportDeadline deadline, CancellationToken cancellationToken)
    {
        var results = new ConcurrentBag<ExportRunResult>();
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (configuration, ct) =>
        {
            try
            {
                var result = await runner.RunAsync(configuration, trigger, deadline, ct);
                results.Add(result);
                if (result.Job is { Status: ExportJobStatus.Failed } failed)
                {
                    failures.Add($"{configuration.Id}: {failed.FailureReason}");
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogError(e, "Export of {Id} could not run", configuration.Id);
                failures.Add($"{configuration.Id}: {e.Message}");
            }
        });
        var ran = results.Where(r => r.Outcome == ExportRunOutcome.Ran).ToList();
        var summary = new ScheduledExportSummary(due.Count,
            ran.Count(r => r.Job?.Status == ExportJobStatus.Succeeded),
            failures.Count,
            results.Count(r => r.Outcome == ExportRunOutcome.Busy),
            results.Count(r => r.Outcome == ExportRunOutcome.UpToDate),
            results.Count(r => r.Outcome == ExportRunOutcome.Deferred),
            results.Count(r => r.MoreToExport),
            ran.Sum(r => r.Jobs),
            ran.Sum(r => r.Records),
            failures.ToList());
        logger.LogInformation("{Trigger}: {Succeeded} succeeded, {Failed} failed, {Busy} busy, {UpToDate} up to date, {Deferred} deferred, {Behind} with more to export; {Jobs} jobs, {Records} records",
            trigger, summary.Succeeded, summary.Failed, summary.Busy, summary.UpToDate, summary.Deferred, summary.Behind, summary.Jobs, summary.Records);
        return summary;
    }
}
