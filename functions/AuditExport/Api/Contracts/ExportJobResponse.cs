using AuditExport.Export;
namespace AuditExport.Api.Contracts;

/// <summary>A job as the API shows it.</summary>
public sealed record ExportJobResponse(
    string Id,
    string Status,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long Records,
    int Objects,
    IReadOnlyList<string> ObjectNames,
    int Attempts,
    string? FailureReason,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<ExportAttemptResponse> History,
    string? Digest,
    string? DigestSha256)
{
    public static ExportJobResponse From(ExportJob job) => new(job.JobId, job.Status.ToString().ToUpperInvariant(), job.WindowStart, job.WindowEnd,
        job.Records, job.ObjectCount, job.Objects, job.Attempts, job.FailureReason, job.Trigger, job.StartedAt, job.FinishedAt,
        [.. job.EarlierAttempts.Select(a => new ExportAttemptResponse(a.Number, a.StartedAt, a.FinishedAt, Upper(a.Outcome.ToString()), a.FailureReason)),
            new ExportAttemptResponse(job.Attempts, job.StartedAt, job.FinishedAt, Upper(job.Status.ToString()), job.FailureReason)],
        job.Digest, job.DigestSha256);

    private static string Upper(string s) => s.ToUpperInvariant();
}

/// <summary>One attempt at a job: RUNNING (the current one), SUCCEEDED, FAILED or INTERRUPTED (cut off before it finished).</summary>
public sealed record ExportAttemptResponse(int Attempt, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Outcome, string? FailureReason);

/// <summary>A configuration's last export and how far behind it is.</summary>
public sealed record LastExportResponse(string? JobId, string? Status, DateTimeOffset? FinishedAt, long? Records, string? FailureReason, DateTimeOffset Watermark, long LagSeconds)
{
    public static LastExportResponse From(ExportState state, DateTimeOffset now) => new(state.LastJobId, state.LastStatus?.ToUpperInvariant(),
        state.LastFinishedAt, state.LastRecords, state.LastFailureReason, state.Watermark, (long)Math.Max(0, (now - state.Watermark).TotalSeconds));
}
