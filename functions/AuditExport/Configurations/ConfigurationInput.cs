namespace AuditExport.Configurations;

/// <summary>A validated create or update request. Secret is null when an update leaves it out.</summary>
public sealed record ConfigurationInput(ExportInterval Interval, bool? Enabled, DestinationSettings Destination, string? Secret, StartFrom StartFrom = StartFrom.CREATION_TIME);
