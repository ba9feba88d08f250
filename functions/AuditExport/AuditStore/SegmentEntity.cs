using Azure.Data.Tables;

namespace AuditExport.AuditStore;

/// <summary>What a segment row stores: events as one gzip member of JSON Lines, and their count, size and time span.</summary>
public interface ISegmentContent
{
    int Count { get; }
    byte[] Compressed { get; }
    long RawBytes { get; }
    DateTimeOffset MinTimestamp { get; }
    DateTimeOffset MaxTimestamp { get; }
}

/// <summary>How a segment is laid out as a Table entity, and read back.</summary>
public static class SegmentEntity
{
    public const string Format = "jsonl.gz";

    /// <summary>
    /// Payload bytes per binary property. Azure.Data.Tables reads an Edm.Binary value as a base64 string before
    /// decoding it; for 30 KiB that string is 81,920 bytes, below the 85,000-byte large-object threshold, so
    /// reading segments makes short-lived garbage instead of gen2 work (measured: 64 KiB chunks cost 16-25 gen2
    /// collections per 39 MB read, 30 KiB chunks none). Readers use the stored Chunks count, so rows written with
    /// other chunk sizes stay readable.
    /// </summary>
    public const int ChunkBytes = 30 * 1024;

    public static TableEntity Create(string partitionKey, string rowKey, ISegmentContent segment, DateTimeOffset ingestedAt,
        string source, long? firstSequence, long? lastSequence)
    {
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["Format"] = Format,
            ["Count"] = segment.Count,
            ["RawBytes"] = segment.RawBytes,
            ["CompressedBytes"] = segment.Compressed.Length,
            ["IngestedAt"] = ingestedAt,
            ["MinEventTime"] = segment.MinTimestamp,
            ["MaxEventTime"] = segment.MaxTimestamp,
            ["Source"] = source,
        };
        if (firstSequence is long first && lastSequence is long last)
        {
            entity["FirstSequence"] = first;
            entity["LastSequence"] = last;
        }
        var chunks = 0;
        for (var offset = 0; offset < segment.Compressed.Length; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, segment.Compressed.Length - offset);
            entity[ChunkName(chunks++)] = segment.Compressed.AsSpan(offset, length).ToArray();
        }
        entity["Chunks"] = chunks;
        return entity;
    }

    /// <summary>The segment's gzip payload, reassembled from its chunks.</summary>
    public static byte[] ReadPayload(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? throw new InvalidDataException($"Segment {entity.RowKey} has no Chunks property.");
        var parts = new byte[chunks][];
        var length = 0;
        for (var i = 0; i < chunks; i++)
        {
            parts[i] = entity.GetBinary(ChunkName(i)) ?? throw new InvalidDataException($"Segment {entity.RowKey} lacks chunk {i}.");
            length += parts[i].Length;
        }
        var payload = GC.AllocateUninitializedArray<byte>(length); // one exact allocation: no growing buffer, no copy of it
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(payload, offset);
            offset += part.Length;
        }
        return payload;
    }

    private static string ChunkName(int index) => $"D{index:D2}";
}
