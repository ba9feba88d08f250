using AuditExport.Configurations;

namespace AuditExport.Export;

public enum HealthState
{
    HEALTHY,
    LATE,
    FAILING,
    DISABLED,
    NEVER_RUN,
}

/// <summary>
/// Whether a configuration is exporting as it should, judged from its export state: the answer to "is it
/// behind or failing, and why". Unlike connectionStatus (Immuta's field: the last connection test or access
/// error), it covers every kind of failure and a timer that stopped running.
/// </summary>
public sealed record ExportHealth(
    HealthState State,
    string Reason,
    DateTimeOffset? LastSuccessAt,
    int ConsecutiveFailures,
    long LagSeconds,
    long LateAfterSeconds)
{
    /// <summary>
    /// Slack past interval + safety lag before a configuration counts as late: one job's run time (at most the
    /// 10-minute functionTimeout) plus the timer's own delay, with room to spare.
    /// </summary>
    public static readonly TimeSpan LateMargin = TimeSpan.FromMinutes(30);

    public static ExportHealth Judge(ExportConfiguration configuration, ExportState? state, TimeSpan safetyLag, DateTimeOffset now)
    {
        var interval = configuration.Interval.Period();
        var lateAfter = interval + safetyLag + LateMargin;
        var failures = state?.ConsecutiveFailures ?? 0;
        var lastSuccess = state?.LastSuccessAt;
        // Before the first export the data waits from creation (or from the start it was asked to export from).
        var waitingSince = lastSuccess is null ? configuration.CreatedAt : state!.Watermark;
        var lag = Max(TimeSpan.Zero, now - (state?.Watermark ?? configuration.CreatedAt));
        var overdue = Max(TimeSpan.Zero, now - waitingSince);
        ExportHealth Health(HealthState s, string reason) =>
            new(s, reason, lastSuccess, failures, (long)lag.TotalSeconds, (long)lateAfter.TotalSeconds);

        if (!configuration.Enabled)
        {
            return Health(HealthState.DISABLED, "Disabled: nothing is exported until it is enabled.");
        }
        if (failures > 0)
        {
            var since = lastSuccess is null ? "no export has succeeded yet" : $"last success {lastSuccess:O}";
            return Health(HealthState.FAILING, $"The last {Runs(failures)} failed ({since}): {state!.LastFailureReason}");
        }
        if (overdue > lateAfter)
        {
            return Health(HealthState.LATE, lastSuccess is null
                ? $"No export has run in the {Describe(overdue)} since it was created; a {configuration.Interval} configuration should have exported within {Describe(lateAfter)}. Check that the export timers run."
                : $"Nothing exported for {Describe(overdue)} (watermark {state!.Watermark:O}); a {configuration.Interval} configuration should export within {Describe(lateAfter)}. Check that the export timers run.");
        }
        return lastSuccess is null
            ? Health(HealthState.NEVER_RUN, $"Not exported yet; the first {configuration.Interval} export is due by {waitingSince + lateAfter:O}.")
            : Health(HealthState.HEALTHY, $"Exported up to {state!.Watermark:O}, {Describe(lag)} ago.");
    }

    private static string Runs(int n) => n == 1 ? "run" : $"{n} runs";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : $"{(int)t.TotalMinutes} min";
}
