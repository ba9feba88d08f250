namespace AuditExport.Export;

public enum ExportJobStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// One export of a configuration's window of ingestion time (WindowStart, WindowEnd]. The window and so the
/// object names are fixed when the job is recorded; a redo keeps both, so retried uploads overwrite.
/// </summary>
public sealed record ExportJob(
    Guid ConfigurationId,
    string JobId,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    ExportJobStatus Status,
    int Attempts,
    long Records,
    int ObjectCount,
    IReadOnlyList<string> Objects,
    string? FailureReason,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>
    /// The attempts before this one, oldest first, as they ended. The newest <see cref="MaxEarlierAttempts"/> are
    /// kept (a table property holds at most 64 KiB); <see cref="Attempts"/> stays the exact count.
    /// </summary>
    public IReadOnlyList<ExportAttempt> EarlierAttempts { get; init; } = [];

    public const int MaxEarlierAttempts = 100;

    /// <summary>Newest first in the table: the id counts down with the window end.</summary>
    public static string NewJobId(DateTimeOffset windowEnd) => $"{DateTimeOffset.MaxValue.UtcTicks - windowEnd.UtcTicks:D19}";

    /// <summary>This job set up for its next attempt: the attempt that ended (or was cut off) joins the history.</summary>
    public ExportJob Redo(string trigger, DateTimeOffset now)
    {
        var ended = new ExportAttempt(Attempts, StartedAt, FinishedAt,
            Status == ExportJobStatus.Running ? ExportAttemptOutcome.Interrupted : Enum.Parse<ExportAttemptOutcome>(Status.ToString()),
            Status == ExportJobStatus.Running ? "The attempt stopped before it finished (the invocation ended or the instance stopped)." : FailureReason);
        return this with
        {
            Status = ExportJobStatus.Running,
            Attempts = Attempts + 1,
            FailureReason = null,
            Trigger = trigger,
            StartedAt = now,
            FinishedAt = null,
            EarlierAttempts = EarlierAttempts.Append(ended).TakeLast(MaxEarlierAttempts).ToList(),
        };
    }
}

public enum ExportAttemptOutcome
{
    Succeeded,
    Failed,
    /// <summary>Never finished: the invocation was killed, timed out or the instance went away.</summary>
    Interrupted,
}

/// <summary>One attempt at a job, as it ended.</summary>
public sealed record ExportAttempt(int Number, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, ExportAttemptOutcome Outcome, string? FailureReason);
