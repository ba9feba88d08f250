using Microsoft.Extensions.Configuration;

namespace AuditExport.AuditStore;

/// <summary>The audit table's settings: <c>AuditEventsTable</c> and <c>IngestShardCount</c>.</summary>
public sealed class AuditTableOptions
{
    public string TableName { get; set; } = "AuditEvents";

    /// <summary>Table partitions per month; a single partition sustains about 2,000 entity writes per second.</summary>
    public int ShardCount { get; set; } = 4;

    public static void Read(IConfiguration configuration, AuditTableOptions options)
    {
        options.TableName = configuration["AuditEventsTable"] ?? options.TableName;
        options.ShardCount = configuration.GetValue("IngestShardCount", options.ShardCount);
    }

    public static IEnumerable<string> Problems(AuditTableOptions options)
    {
        if (options.ShardCount is < 1 or > 99)
        {
            yield return $"IngestShardCount must be 1 to 99; it is {options.ShardCount}.";
        }
    }
}
