using System.Text;
using System.Text.RegularExpressions;

namespace AuditExport.Storage;

/// <summary>
/// The OData multipart/mixed format of an entity-group transaction: one batch holding one change set.
/// </summary>
internal static partial class TableBatchFormat
{
    public sealed record Request(string Boundary, byte[] Body);

    public static Request BuildRequest(string endpoint, string table, IReadOnlyList<TableOperation> operations)
    {
        if (operations.Count == 0 || operations.Count > AzureTableClient.MaxTransactionOperations)
        {
            throw new ArgumentException($"A transaction holds 1 to {AzureTableClient.MaxTransactionOperations} operations; got {operations.Count}.");
        }
        var partitionKey = operations[0].Entity.PartitionKey;
        if (operations.Any(o => o.Entity.PartitionKey != partitionKey))
        {
            throw new ArgumentException("Every operation of a transaction must have the same PartitionKey.");
        }
        if (operations.Select(o => o.Entity.RowKey).Distinct(StringComparer.Ordinal).Count() != operations.Count)
        {
            throw new ArgumentException("An entity may appear only once in a transaction.");
        }

        var batch = "batch_" + Guid.NewGuid().ToString("N");
        var changeset = "changeset_" + Guid.NewGuid().ToString("N");
        using var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));

        Write($"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n");
        foreach (var operation in operations)
        {
            var entity = operation.Entity;
            var entityUri = $"{endpoint}/{table}(PartitionKey={EscapeKey(entity.PartitionKey)},RowKey={EscapeKey(entity.RowKey)})";
            Write($"--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            switch (operation.Kind)
            {
                case TableOperationKind.Insert:
                    Write($"POST {endpoint}/{table} HTTP/1.1\r\n");
                    break;
                case TableOperationKind.Upsert:
                    Write($"PUT {entityUri} HTTP/1.1\r\n");
                    break;
                case TableOperationKind.Replace:
                    Write($"PUT {entityUri} HTTP/1.1\r\nIf-Match: {entity.ETag ?? throw new ArgumentException("Replace needs the entity's ETag.")}\r\n");
                    break;
                case TableOperationKind.Delete:
                    Write($"DELETE {entityUri} HTTP/1.1\r\nIf-Match: {entity.ETag ?? "*"}\r\n");
                    break;
            }
            Write("Accept: application/json;odata=minimalmetadata\r\nDataServiceVersion: 3.0\r\n");
            if (operation.Kind == TableOperationKind.Delete)
            {
                Write("\r\n");
                continue;
            }
            var json = TableEntityJson.Serialize(entity);
            Write($"Content-Type: application/json\r\nPrefer: return-no-content\r\nContent-Length: {json.Length}\r\n\r\n");
            body.Write(json);
            Write("\r\n");
        }
        Write($"--{changeset}--\r\n--{batch}--\r\n");

        if (body.Length > AzureTableClient.MaxTransactionBytes)
        {
            throw new ArgumentException($"A transaction's payload may be at most {AzureTableClient.MaxTransactionBytes} bytes; this one is {body.Length}.");
        }
        return new Request(batch, body.ToArray());
    }

    /// <summary>
    /// Reads the per-operation answers. The service answers 202 for the batch even when the change set
    /// failed; then it returns a single part with the error, its message prefixed by the failing index.
    /// </summary>
    public static IReadOnlyList<string?> ParseResponse(byte[] body, int operationCount)
    {
        var text = Encoding.UTF8.GetString(body);
        var statuses = StatusLine().Matches(text);
        if (statuses.Count == 0)
        {
            throw new StorageRequestFailedException(502, null, "Transaction answer has no operation responses: " + Truncate(text));
        }

        foreach (Match status in statuses)
        {
            var code = int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (code >= 300)
            {
                var jsonStart = text.IndexOf('{', status.Index);
                var jsonEnd = text.LastIndexOf('}');
                var (errorCode, message) = jsonStart >= 0 && jsonEnd > jsonStart
                    ? AzureTableClient.ReadError(text[jsonStart..(jsonEnd + 1)])
                    : (null, null);
                int? index = null;
                var prefix = message is null ? null : FailedIndex().Match(message);
                if (prefix is { Success: true })
                {
                    index = int.Parse(prefix.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                throw new TableTransactionFailedException(code, errorCode, index,
                    $"Transaction rejected (HTTP {code}, {errorCode ?? "no code"}{(index is null ? "" : $", operation {index}")}): {message}");
            }
        }

        if (statuses.Count != operationCount)
        {
            throw new StorageRequestFailedException(502, null, $"Transaction answered {statuses.Count} operation responses for {operationCount} operations.");
        }
        var etags = new List<string?>(operationCount);
        for (var i = 0; i < statuses.Count; i++)
        {
            var end = i + 1 < statuses.Count ? statuses[i + 1].Index : text.Length;
            var part = text[statuses[i].Index..end];
            var etag = ETagHeader().Match(part);
            etags.Add(etag.Success ? etag.Groups[1].Value.Trim() : null);
        }
        return etags;
    }

    private static string EscapeKey(string key) => Uri.EscapeDataString(TableClientExtensions.Quote(key));

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;

    [GeneratedRegex(@"HTTP/1\.1 (\d{3})")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex FailedIndex();

    [GeneratedRegex(@"(?im)^ETag:\s*(.+?)\r?$")]
    private static partial Regex ETagHeader();
}
