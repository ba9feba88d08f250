using AuditExport.Destinations;
namespace AuditExport.Configurations;

/// <summary>A validated create or update request. Secret is null when an update leaves it out.</summary>
public sealed record ConfigurationInput(ExportInterval Interval, bool? Enabled, DestinationSettings Destination, string? Secret, StartFrom StartFrom = StartFrom.CREATION_TIME)
{
    /// <summary>The id a create asks for (migration: an assumed role trusts it as ExternalId); null: a new random one.</summary>
    public Guid? Id { get; init; }
}
