using Microsoft.Extensions.Configuration;

namespace AuditExport.Ingest;

/// <summary>Ingest settings (app settings of the same names; defaults work locally).</summary>
public sealed class IngestOptions
{
    public string QuarantineTable { get; set; } = "QuarantinedEvents";
    public string QuarantineContainer { get; set; } = "audit-quarantine";

    /// <summary>Largest event accepted, in bytes (Event Hubs Standard caps a message at 1 MB).</summary>
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>Uncompressed bytes packed into one segment entity before compression.</summary>
    public int SegmentTargetBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Largest invocation body held in memory, and the most encoded event bytes ingested as one part. A larger body
    /// (up to 2 GiB) is spooled to a temporary file and ingested part by part.
    /// </summary>
    public int InvocationMemoryBytes { get; set; } = 64 * 1024 * 1024;

    public static void Read(IConfiguration configuration, IngestOptions options)
    {
        options.QuarantineTable = configuration["QuarantineTable"] ?? options.QuarantineTable;
        options.QuarantineContainer = configuration["QuarantineContainer"] ?? options.QuarantineContainer;
        options.MaxEventBytes = configuration.GetValue("MaxEventBytes", options.MaxEventBytes);
        options.SegmentTargetBytes = configuration.GetValue("SegmentTargetBytes", options.SegmentTargetBytes);
        options.InvocationMemoryBytes = configuration.GetValue("InvocationMemoryBytes", options.InvocationMemoryBytes);
    }

    public static IEnumerable<string> Problems(IngestOptions options)
    {
        if (options.InvocationMemoryBytes < 64 * 1024)
        {
            yield return $"InvocationMemoryBytes must be at least 65536; it is {options.InvocationMemoryBytes}.";
        }
        if (options.MaxEventBytes < 1024)
        {
            yield return $"MaxEventBytes must be at least 1024; it is {options.MaxEventBytes}.";
        }
        if (options.SegmentTargetBytes is < 1024 or > 16 * 1024 * 1024)
        {
            yield return $"SegmentTargetBytes must be 1 KiB to 16 MiB; it is {options.SegmentTargetBytes}.";
        }
    }
}
