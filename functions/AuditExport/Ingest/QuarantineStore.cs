using AuditExport.AuditStore;
using System.Globalization;
using System.Text;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace AuditExport.Ingest;

/// <summary>
/// Keeps input that could not be stored as an event: the raw bytes in a blob, and an entity (reason, source
/// position, size, a short preview, the blob name) in the quarantine table for operators. Keys are
/// deterministic, so a redelivered batch overwrites its own quarantine entries instead of adding more.
/// </summary>
public sealed class QuarantineStore(TableServiceClient tables, BlobServiceClient blobs, IngestOptions options)
{
    private readonly TableClient _table = tables.GetTableClient(options.QuarantineTable);
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(options.QuarantineContainer);

    public const int PreviewChars = 200;

    public sealed record Item(RejectedInput Input, string? PartitionId, DeliveredElement Element);

    public async Task StoreAsync(IReadOnlyList<Item> items, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }
        var partitionKey = AuditEventKeys.Month(receivedAt);
        var entities = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var rowKey = RowKey(item);
            var blobName = $"{receivedAt.UtcDateTime:yyyy'/'MM'/'dd}/{rowKey}.bin";
            var entity = new TableEntity(partitionKey, rowKey)
            {
                ["Reason"] = item.Input.Reason,
                ["SizeBytes"] = item.Input.Raw.Length,
                ["Preview"] = Preview(item.Input.Raw.Span),
                ["BlobContainer"] = options.QuarantineContainer,
                ["BlobName"] = blobName,
                ["ReceivedAt"] = receivedAt,
                ["ElementIndex"] = item.Input.ElementIndex,
                ["ItemIndex"] = item.Input.ItemIndex,
            };
            if (item.PartitionId is not null)
            {
                entity["SourcePartition"] = item.PartitionId;
            }
            if (item.Element.SequenceNumber is long sequence)
            {
                entity["SequenceNumber"] = sequence;
            }
            if (item.Element.Offset is not null)
            {
                entity["Offset"] = item.Element.Offset;
            }
            if (item.Element.EnqueuedTimeUtc is DateTimeOffset enqueued)
            {
                entity["EnqueuedTimeUtc"] = enqueued;
            }
            entities[rowKey] = entity;
        }

        // Raw bytes first: an entity never points at a blob that is not there.
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (item, ct) => await _container.GetBlobClient(entities[RowKey(item)].GetString("BlobName")!).UploadAsync(
                BinaryData.FromBytes(item.Input.Raw), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } }, ct));
        foreach (var chunk in entities.Values.Chunk(TableLimits.MaxTransactionOperations))
        {
            await _table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
        }
    }

    private static string RowKey(Item item) =>
        item.PartitionId is not null && item.Element.SequenceNumber is long sequence
            ? string.Create(CultureInfo.InvariantCulture, $"{AuditEventKeys.SafeKey(item.PartitionId)}_{sequence:D19}_{item.Input.ItemIndex:D5}")
            : "h_" + AuditEventKeys.Hash(item.Input.Raw.Span);

    private static string Preview(ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, PreviewChars * 4)]);
        var preview = new StringBuilder(Math.Min(text.Length, PreviewChars));
        foreach (var c in text.Take(PreviewChars))
        {
            preview.Append(char.IsControl(c) ? '\uFFFD' : c);
        }
        return preview.ToString();
    }
}
