namespace AuditExport.Export;

/// <summary>
/// Where a configuration's export stands: everything ingested up to <see cref="Watermark"/> is exported;
/// <see cref="CurrentJobId"/> names a job recorded but not yet finished (it is redone, same window);
/// the lease keeps two runners off one configuration.
/// </summary>
public sealed record ExportState(
    Guid ConfigurationId,
    DateTimeOffset Watermark,
    string? CurrentJobId,
    string? LeaseOwner,
    DateTimeOffset? LeaseUntil,
    string? LastJobId,
    string? LastStatus,
    DateTimeOffset? LastFinishedAt,
    long? LastRecords,
    string? LastFailureReason,
    string? ETag = null)
{
    /// <summary>When a job last succeeded (rows written before this was kept: the last job's end, if it succeeded).</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Failed runs since the last success (rows written before this was kept: 1 if the last job failed).</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>
    /// The newest digest of the configuration's chain (its name under the path) and its SHA-256: the next job's digest
    /// names it. Null before the first digested job; with <see cref="LastSuccessAt"/> set, exports ran before digests existed.
    /// </summary>
    public string? LastDigest { get; init; }

    public string? LastDigestSha256 { get; init; }

    /// <summary>The last run stopped at its time budget with more to export: the ExportBacklogs timer goes on with it.</summary>
    public bool Backlog { get; init; }

    /// <summary>Whether the ExportBacklogs timer should run this configuration now: a run left a backlog, or a job was cut off (not failed).</summary>
    public bool WantsBacklogRun => LastStatus != nameof(ExportJobStatus.Failed) && (Backlog || CurrentJobId is not null);
}
