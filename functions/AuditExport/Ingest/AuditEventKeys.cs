using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AuditExport.Ingest;

/// <summary>
/// Keys of the AuditEvents table. PartitionKey = ingestion month and shard ("2026-11_03"). Segment RowKeys
/// start with the ingestion time, so an export reads a key range; bookkeeping rows start with '~', which
/// sorts after every time-based key and so stays out of those ranges.
/// </summary>
public static class AuditEventKeys
{
    public const string LedgerPrefix = "~ledger~";
    public const string IdMarkerPrefix = "~id~";
    public const string TimeFormat = "yyyyMMdd'T'HHmmss'.'fffffff'Z'";

    public static string Month(DateTimeOffset ingestedAt) => ingestedAt.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static string PartitionKey(DateTimeOffset ingestedAt, int shard) => $"{Month(ingestedAt)}_{shard:D2}";

    public static string PreviousMonthPartitionKey(DateTimeOffset ingestedAt, int shard)
    {
        var utc = ingestedAt.UtcDateTime;
        return PartitionKey(new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-1), shard);
    }

    /// <summary>Time prefix of segment RowKeys; a key range of these is a window of ingestion time.</summary>
    public static string TimePrefix(DateTimeOffset ingestedAt) => ingestedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static string SegmentRowKey(DateTimeOffset ingestedAt, string source, string position) =>
        $"{TimePrefix(ingestedAt)}_{source}_{position}";

    public static string LedgerRowKey(string partitionId) => LedgerPrefix + SafeKey(partitionId);

    public static string IdMarkerRowKey(string eventId) => IdMarkerPrefix + Hash(eventId);

    /// <summary>Stable shard of a source (partition id or event id): the same input always lands in the same shard.</summary>
    public static int Shard(string source, int shardCount)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(source));
        return (int)(BitConverter.ToUInt32(hash, 0) % (uint)shardCount);
    }

    /// <summary>Characters a RowKey may hold; anything else is replaced by a hash.</summary>
    public static string SafeKey(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
            ? value
            : "h" + Hash(value)[..24];

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..40];

    public static string Hash(ReadOnlySpan<byte> value) => Convert.ToHexStringLower(SHA256.HashData(value))[..40];
}
