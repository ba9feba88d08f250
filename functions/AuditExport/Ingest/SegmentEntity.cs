using Azure.Data.Tables;

namespace AuditExport.Ingest;

/// <summary>How a <see cref="Segment"/> is laid out as a Table entity, and read back.</summary>
public static class SegmentEntity
{
    public const string Format = "jsonl.gz";

    public static TableEntity Create(string partitionKey, string rowKey, Segment segment, DateTimeOffset ingestedAt,
        string source, long? firstSequence, long? lastSequence)
    {
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["Format"] = Format,
            ["Count"] = segment.Events.Count,
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
        for (var offset = 0; offset < segment.Compressed.Length; offset += SegmentPacker.ChunkBytes)
        {
            var length = Math.Min(SegmentPacker.ChunkBytes, segment.Compressed.Length - offset);
            entity[ChunkName(chunks++)] = segment.Compressed.AsSpan(offset, length).ToArray();
        }
        entity["Chunks"] = chunks;
        return entity;
    }

    /// <summary>The segment's gzip payload, reassembled from its chunks.</summary>
    public static byte[] ReadPayload(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? throw new InvalidDataException($"Segment {entity.RowKey} has no Chunks property.");
        using var payload = new MemoryStream();
        for (var i = 0; i < chunks; i++)
        {
            payload.Write(entity.GetBinary(ChunkName(i)) ?? throw new InvalidDataException($"Segment {entity.RowKey} lacks chunk {i}."));
        }
        return payload.ToArray();
    }

    private static string ChunkName(int index) => $"D{index:D2}";
}
