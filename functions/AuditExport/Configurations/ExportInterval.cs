namespace AuditExport.Configurations;

/// <summary>How often a configuration exports; the names are Immuta's.</summary>
public enum ExportInterval
{
    EVERY_2_HOURS = 2,
    EVERY_4_HOURS = 4,
    EVERY_6_HOURS = 6,
    EVERY_12_HOURS = 12,
    EVERY_24_HOURS = 24,
}

public static class ExportIntervals
{
    public static readonly IReadOnlyList<string> Names = Enum.GetNames<ExportInterval>();

    public static TimeSpan Period(this ExportInterval interval) => TimeSpan.FromHours((int)interval);

    public static bool TryParse(string? text, out ExportInterval interval) =>
        Enum.TryParse(text, ignoreCase: false, out interval) && Enum.IsDefined(interval) && Names.Contains(text);
}
