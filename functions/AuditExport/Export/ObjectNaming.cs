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

    public static string Name(ExportConfiguration configuration, DateTimeOffset windowEnd, int part) =>
        configuration.Destination.ObjectName(RelativeName(configuration.Id, windowEnd, part));

    /// <summary>The name under the configuration's path, as digests list it.</summary>
    public static string RelativeName(Guid configurationId, DateTimeOffset windowEnd, int part)
    {
        var end = windowEnd.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture,
            $"{end:yyyy}/{end:MM}/{end:dd}/{end:HH}/audit_{end:yyyyMMdd'T'HHmmss'Z'}_{configurationId}_{part:D5}.jsonl.gz");
    }
}
