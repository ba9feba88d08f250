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

    /// <summary>The signed digest a succeeded job wrote (its name under the configuration's path) and its SHA-256 (hex).</summary>
    public string? Digest { get; init; }

    public string? DigestSha256 { get; init; }

    private const string WindowEndFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// A job's id as people read it: its window's end (windows end on whole seconds) and the first 8 hex digits of its
    /// configuration, so the jobs of one window for different destinations differ: <c>20261201T100000Z-3f2a9c1b</c>.
    /// </summary>
    public static string NewJobId(Guid configurationId, DateTimeOffset windowEnd) =>
        $"{windowEnd.UtcDateTime.ToString(WindowEndFormat, System.Globalization.CultureInfo.InvariantCulture)}-{configurationId.ToString("N")[..8]}";

    /// <summary>The job's row key: newest first in the table, counting down with the window end.</summary>
    public static string RowKey(DateTimeOffset windowEnd) => $"{DateTimeOffset.MaxValue.UtcTicks - windowEnd.UtcTicks:D19}";

    /// <summary>
    /// The row key of the job <paramref name="jobId"/> names for <paramref name="configurationId"/>, or null when it
    /// names another configuration's job or nothing. Ids written before ids were readable (the row key itself) still work.
    /// </summary>
    public static string? RowKeyOf(Guid configurationId, string jobId)
    {
        if (jobId.Length == 19 && jobId.All(char.IsAsciiDigit))
        {
            return jobId;
        }
        var parts = jobId.Split('-');
        return parts.Length == 2 && parts[1] == configurationId.ToString("N")[..8]
            && DateTimeOffset.TryParseExact(parts[0], WindowEndFormat, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var windowEnd)
            ? RowKey(windowEnd)
            : null;
    }

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
