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
}
