using AuditExport.Destinations;
namespace AuditExport.Configurations;

/// <summary>
/// A stored export configuration. The secret stays encrypted (see <see cref="SecretProtector"/>). CreatedBy and
/// UpdatedBy are the callers of the create and of the latest audited change (null for configurations stored before
/// they were kept; the change records name them).
/// </summary>
public sealed record ExportConfiguration(
    Guid Id,
    ExportInterval Interval,
    bool Enabled,
    DestinationSettings Destination,
    string? ProtectedSecret,
    string ConnectionStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ETag = null,
    StartFrom StartFrom = StartFrom.CREATION_TIME,
    ChangedBy? CreatedBy = null,
    ChangedBy? UpdatedBy = null)
{
    public const string Success = Destinations.ConnectionTester.Success;

    /// <summary>Immuta's externalId for assumed-role trust policies: the configuration id.</summary>
    public string ExternalId => Id.ToString();
}

/// <summary>Where a new configuration's first export starts.</summary>
public enum StartFrom
{
    /// <summary>Events ingested after the configuration was created.</summary>
    CREATION_TIME,
    /// <summary>Every event still retained.</summary>
    EARLIEST_RETAINED,
}
