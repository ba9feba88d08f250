namespace AuditExport.Configurations;

/// <summary>A stored export configuration. The secret stays encrypted (see <see cref="SecretProtector"/>).</summary>
public sealed record ExportConfiguration(
    Guid Id,
    ExportInterval Interval,
    bool Enabled,
    DestinationSettings Destination,
    string? ProtectedSecret,
    string ConnectionStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ETag = null)
{
    public const string Success = "SUCCESS";

    /// <summary>Immuta's externalId for assumed-role trust policies: the configuration id.</summary>
    public string ExternalId => Id.ToString();
}
