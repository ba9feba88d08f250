using Microsoft.Extensions.Configuration;

namespace AuditExport.Ingest;

/// <summary>Ingest settings (app settings of the same names; defaults work locally).</summary>
public sealed class IngestOptions
{
    public string AuditEventsTable { get; init; } = "AuditEvents";
    public string QuarantineTable { get; init; } = "QuarantinedEvents";
    public string QuarantineContainer { get; init; } = "audit-quarantine";

    /// <summary>Table partitions per month; a single partition sustains about 2,000 entity writes per second.</summary>
    public int IngestShardCount { get; init; } = 4;

    /// <summary>Largest event accepted, in bytes (Event Hubs Standard caps a message at 1 MB).</summary>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>Uncompressed bytes packed into one segment entity before compression.</summary>
    public int SegmentTargetBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>
    /// Largest invocation body held in memory, and the most encoded event bytes ingested as one part. A larger body
    /// (up to 2 GiB) is spooled to a temporary file and ingested part by part.
    /// </summary>
    public int InvocationMemoryBytes { get; init; } = 64 * 1024 * 1024;

    public static IngestOptions FromConfiguration(IConfiguration configuration)
    {
        var defaults = new IngestOptions();
        var options = new IngestOptions
        {
            AuditEventsTable = configuration["AuditEventsTable"] ?? defaults.AuditEventsTable,
            QuarantineTable = configuration["QuarantineTable"] ?? defaults.QuarantineTable,
            QuarantineContainer = configuration["QuarantineContainer"] ?? defaults.QuarantineContainer,
            IngestShardCount = configuration.GetValue("IngestShardCount", defaults.IngestShardCount),
            MaxEventBytes = configuration.GetValue("MaxEventBytes", defaults.MaxEventBytes),
            SegmentTargetBytes = configuration.GetValue("SegmentTargetBytes", defaults.SegmentTargetBytes),
            InvocationMemoryBytes = configuration.GetValue("InvocationMemoryBytes", defaults.InvocationMemoryBytes),
        };
        if (options.InvocationMemoryBytes < 64 * 1024)
        {
            throw new InvalidOperationException($"InvocationMemoryBytes must be at least 65536; it is {options.InvocationMemoryBytes}.");
        }
        if (options.IngestShardCount is < 1 or > 99)
        {
            throw new InvalidOperationException($"IngestShardCount must be 1 to 99; it is {options.IngestShardCount}.");
        }
        if (options.MaxEventBytes < 1024)
        {
            throw new InvalidOperationException($"MaxEventBytes must be at least 1024; it is {options.MaxEventBytes}.");
        }
        if (options.SegmentTargetBytes is < 1024 or > 16 * 1024 * 1024)
        {
            throw new InvalidOperationException($"SegmentTargetBytes must be 1 KiB to 16 MiB; it is {options.SegmentTargetBytes}.");
        }
        return options;
    }
}
