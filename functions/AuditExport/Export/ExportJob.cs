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
    /// <summary>Newest first in the table: the id counts down with the window end.</summary>
    public static string NewJobId(DateTimeOffset windowEnd) => $"{DateTimeOffset.MaxValue.UtcTicks - windowEnd.UtcTicks:D19}";
}
