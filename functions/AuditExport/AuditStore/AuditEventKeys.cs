using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AuditExport.AuditStore;

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

    /// <summary>
    /// The marker of one stored event without sequence numbers: its id and its exact bytes, so only a byte-identical
    /// redelivery matches, while a different event that reuses an id is stored too. Markers written before the
    /// content was part of the key are the bare id prefix; <see cref="IdMarkerRange"/> finds both.
    /// </summary>
    public static string IdMarkerRowKey(string eventId, ReadOnlySpan<byte> raw) => $"{IdMarkerPrefix}{Hash(eventId)}~{Hash(raw)[..16]}";

    /// <summary>Row keys from the bare id marker to the last id+content marker of that id.</summary>
    public static (string From, string To) IdMarkerRange(string eventId)
    {
        var id = IdMarkerPrefix + Hash(eventId);
        return (id, id + "~zzzzzzzzzzzzzzzz");
    }

    /// <summary>Whether a marker found in <see cref="IdMarkerRange"/> stands for these exact bytes.</summary>
    /// <param name="eventMarker">The event's own <see cref="IdMarkerRowKey"/>.</param>
    public static bool IsMarkerOf(string markerRowKey, string eventId, string eventMarker) =>
        markerRowKey == eventMarker || markerRowKey == IdMarkerPrefix + Hash(eventId);

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
