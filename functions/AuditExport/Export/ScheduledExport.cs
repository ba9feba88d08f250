using System.Collections.Concurrent;
using AuditExport.Configurations;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>What one timer run did, per configuration.</summary>
public sealed record ScheduledExportSummary(ExportInterval Interval, int Configurations, int Succeeded, int Failed, int Busy, int UpToDate, long Records, IReadOnlyList<string> Failures);

/// <summary>
/// A timer's run: every enabled configuration with that interval, several at once (ExportParallelism);
/// one configuration's failure never stops the others.
/// </summary>
public sealed class ScheduledExport(ExportConfigurationService configurations, ExportJobRunner runner, ExportOptions options, ILogger<ScheduledExport> logger)
{
    public async Task<ScheduledExportSummary> RunAsync(ExportInterval interval, string trigger, CancellationToken cancellationToken)
    {
        var due = (await configurations.ListAsync(cancellationToken)).Where(c => c.Enabled && c.Interval == interval).ToList();
        logger.LogInformation("{Trigger}: exporting {Count} enabled {Interval} configurations, {Parallelism} at a time", trigger, due.Count, interval, options.Parallelism);
        var results = new ConcurrentBag<ExportRunResult>();
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (configuration, ct) =>
        {
            try
            {
                var result = await runner.RunAsync(configuration, trigger, ct);
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
        var summary = new ScheduledExportSummary(interval, due.Count,
            ran.Count(r => r.Job?.Status == ExportJobStatus.Succeeded),
            failures.Count,
            results.Count(r => r.Outcome == ExportRunOutcome.Busy),
            results.Count(r => r.Outcome == ExportRunOutcome.UpToDate),
            ran.Sum(r => r.Job?.Status == ExportJobStatus.Succeeded ? r.Job.Records : 0),
            failures.ToList());
        logger.LogInformation("{Trigger}: {Succeeded} succeeded, {Failed} failed, {Busy} busy, {UpToDate} up to date; {Records} records",
            trigger, summary.Succeeded, summary.Failed, summary.Busy, summary.UpToDate, summary.Records);
        return summary;
    }
}
