using AuditExport.AuditStore;
using System.Text;
using AuditExport.Ingest;
using Azure.Data.Tables;

namespace AuditExport.LocalHost;

/// <summary>Reads back what ingest stored: segments (decompressed) and quarantined input.</summary>
public static class StoredEventsReport
{
    public sealed record StoredSegment(string PartitionKey, string RowKey, int Count, IReadOnlyList<string> Lines);

    public sealed record Quarantined(string RowKey, string Reason, string Preview, long? SequenceNumber);

    public static async Task<List<StoredSegment>> ReadSegmentsAsync(TableServiceClient tables, string table = "AuditEvents", CancellationToken cancellationToken = default)
    {
        var segments = new List<StoredSegment>();
        // Segment rows start with a digit (ingestion time); bookkeeping rows start with '~'.
        await foreach (var entity in tables.GetTableClient(table).QueryAsync<TableEntity>("RowKey lt '~'", cancellationToken: cancellationToken))
        {
            var text = Encoding.UTF8.GetString(SegmentPacker.Decompress(SegmentEntity.ReadPayload(entity)));
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            segments.Add(new StoredSegment(entity.PartitionKey, entity.RowKey, entity.GetInt32("Count") ?? -1, lines));
        }
        return segments;
    }

    public static async Task<List<Quarantined>> ReadQuarantineAsync(TableServiceClient tables, string table = "QuarantinedEvents", CancellationToken cancellationToken = default)
    {
        var items = new List<Quarantined>();
        await foreach (var entity in tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            items.Add(new Quarantined(entity.RowKey, entity.GetString("Reason") ?? "", entity.GetString("Preview") ?? "", entity.GetInt64("SequenceNumber")));
        }
        return items;
    }
}
