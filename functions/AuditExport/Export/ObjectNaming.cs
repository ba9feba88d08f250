using System.Globalization;
using AuditExport.Configurations;

namespace AuditExport.Export;

/// <summary>
/// Deterministic object names (DESIGN §6): {path}/{yyyy}/{MM}/{dd}/{HH}/audit_{windowEnd}_{configId}_{part}.jsonl.gz,
/// UTC, from the window end. A redo of a job produces exactly the same names.
/// </summary>
public static class ObjectNaming
{
    public const string ContentType = "application/gzip";

    public static string Name(ExportConfiguration configuration, DateTimeOffset windowEnd, int part)
    {
        var end = windowEnd.UtcDateTime;
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{end:yyyy}/{end:MM}/{end:dd}/{end:HH}/audit_{end:yyyyMMdd'T'HHmmss'Z'}_{configuration.Id}_{part:D5}.jsonl.gz");
        return configuration.Destination.ObjectName(name);
    }
}
