using System.Globalization;
using Azure.Data.Tables;

namespace AuditExport.AuditStore;

/// <summary>One stored segment as an export reads it: its gzip payload (a complete gzip member) and count.</summary>
public sealed record StoredSegment(string PartitionKey, string RowKey, int Count, byte[] Payload);

/// <summary>
/// Reads the segments ingested in a window (start, end] of ingestion time: a RowKey range in every
/// shard of every month the window touches, in a fixed order (month, shard, RowKey), so a redo of the same
/// window reads the same segments in the same order. Pages are small: memory stays bounded whatever the window.
/// </summary>
public sealed class SegmentReader(AuditTable table)
{
    private readonly TableClient _events = table.Client;

    public const int PageSize = 8; // segments are up to ~1 MiB each

    public async IAsyncEnumerable<StoredSegment> ReadAsync(DateTimeOffset start, DateTimeOffset end,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (end <= start)
        {
            yield break;
        }
        // Before the first event is ingested the table does not exist yet: that window is empty, not a failure.
        await table.EnsureExistsAsync(cancellationToken);
        foreach (var month in Months(start, end))
        {
            foreach (var filter in ShardFilters(month, start, end))
            {
                await foreach (var entity in _events.QueryAsync<TableEntity>(filter, PageSize, cancellationToken: cancellationToken))
                {
                    yield return new StoredSegment(entity.PartitionKey, entity.RowKey, entity.GetInt32("Count") ?? 0, SegmentEntity.ReadPayload(entity));
                }
            }
        }
    }

    /// <summary>The query of each shard of one month for the segments ingested in (start, end], in shard order.</summary>
    private IEnumerable<string> ShardFilters(DateTimeOffset month, DateTimeOffset start, DateTimeOffset end)
    {
        var from = AuditEventKeys.TimePrefix(start.AddTicks(1));
        var to = AuditEventKeys.TimePrefix(end.AddTicks(1));
        for (var shard = 0; shard < table.ShardCount; shard++)
        {
            var partitionKey = AuditEventKeys.PartitionKey(month, shard);
            yield return TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {from} and RowKey lt {to}");
        }
    }

    /// <summary>
    /// The end of a job that starts at <paramref name="start"/> and covers at most <paramref name="maxRecords"/>
    /// records of the window (start, end]: <paramref name="end"/> when the window holds no more, else the last whole
    /// second before the first segment that would pass the bound; when the segments before it share its second, that
    /// whole second (a job covers at least one). Reads keys and counts only, and in each shard no further than that
    /// shard alone passes the bound.
    /// </summary>
    public async Task<DateTimeOffset> BoundedEndAsync(DateTimeOffset start, DateTimeOffset end, long maxRecords, CancellationToken cancellationToken)
    {
        if (end <= start)
        {
            return end;
        }
        await table.EnsureExistsAsync(cancellationToken);
        long counted = 0;
        string? lastIncluded = null; // time prefixes sort as the times they spell: parsed only at the cut
        foreach (var month in Months(start, end))
        {
            var keys = new List<(string Time, int Count)>();
            foreach (var filter in ShardFilters(month, start, end))
            {
                long inShard = 0;
                var read = 0;
                await foreach (var entity in _events.QueryAsync<TableEntity>(filter, KeyPageSize, ["RowKey", "Count"], cancellationToken))
                {
                    var count = entity.GetInt32("Count") ?? 0;
                    keys.Add((entity.RowKey[..TimePrefixLength], count));
                    inShard += count;
                    read++;
                    if (counted + inShard > maxRecords && (counted > 0 || read > 1))
                    {
                        break; // the merged count passes the bound at this key or earlier
                    }
                }
            }
            foreach (var (time, count) in keys.OrderBy(k => k.Time, StringComparer.Ordinal))
            {
                if (counted + count > maxRecords && lastIncluded is not null)
                {
                    // The last whole second before this segment; if the segments taken so far share its second, that whole second.
                    var before = TruncateToSecond(ParseTime(time).AddTicks(-1));
                    return ParseTime(lastIncluded) <= before ? before : before.AddSeconds(1);
                }
                counted += count;
                lastIncluded = time;
            }
        }
        return end;
    }

    private static DateTimeOffset ParseTime(string timePrefix) =>
        DateTimeOffset.ParseExact(timePrefix, AuditEventKeys.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public const int KeyPageSize = 1000;

    private static readonly int TimePrefixLength = AuditEventKeys.TimePrefix(DateTimeOffset.UnixEpoch).Length;

    public static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>First instants of the months from the one holding <paramref name="start"/> to the one holding <paramref name="end"/>.</summary>
    public static IEnumerable<DateTimeOffset> Months(DateTimeOffset start, DateTimeOffset end)
    {
        var month = new DateTimeOffset(start.UtcDateTime.Year, start.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        while (month <= end)
        {
            yield return month;
            month = month.AddMonths(1);
        }
    }
}
