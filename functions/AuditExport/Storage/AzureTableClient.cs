using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Storage;

/// <summary>Table service REST client on Azure.Core's pipeline (retries, auth policy).</summary>
public sealed class AzureTableClient : ITableClient
{
    public const int MaxTransactionOperations = 100;
    public const int MaxTransactionBytes = 4 * 1024 * 1024;
    private const string ApiVersion = "2019-02-02";
    private const string JsonAccept = "application/json;odata=minimalmetadata";

    private readonly HttpPipeline _pipeline;
    private readonly string _endpoint;

    public AzureTableClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        _endpoint = connection.TableEndpoint.AbsoluteUri.TrimEnd('/');
        _pipeline = (options ?? new StorageClientOptions()).BuildPipeline(connection.CreateAuthPolicy(StorageService.Table));
    }

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Post, $"{_endpoint}/Tables");
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new { TableName = table }));
        await _pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status == 409)
        {
            return; // TableAlreadyExists
        }
        EnsureSuccess(message.Response, $"Creating table {table}");
    }

    public async Task<TableEntity?> GetEntityAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, EntityUri(table, partitionKey, rowKey));
        await _pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status == 404)
        {
            return null;
        }
        EnsureSuccess(message.Response, $"Reading entity from {table}");
        using var doc = JsonDocument.Parse(message.Response.Content.ToMemory());
        message.Response.Headers.TryGetValue("ETag", out var etag);
        return TableEntityJson.Parse(doc.RootElement, etag);
    }

    public async Task<TableQueryPage> QueryPageAsync(string table, TableQuery query, TableContinuation? continuation, CancellationToken cancellationToken)
    {
        var parameters = new List<string>();
        if (query.Filter is not null)
        {
            parameters.Add("$filter=" + Uri.EscapeDataString(query.Filter));
        }
        if (query.Top is int top)
        {
            parameters.Add("$top=" + top);
        }
        if (query.Select is { Count: > 0 } select)
        {
            parameters.Add("$select=" + Uri.EscapeDataString(string.Join(',', select)));
        }
        if (continuation is not null)
        {
            parameters.Add("NextPartitionKey=" + Uri.EscapeDataString(continuation.NextPartitionKey));
            if (continuation.NextRowKey is not null)
            {
                parameters.Add("NextRowKey=" + Uri.EscapeDataString(continuation.NextRowKey));
            }
        }
        var uri = $"{_endpoint}/{table}()" + (parameters.Count > 0 ? "?" + string.Join('&', parameters) : "");
        using var message = CreateMessage(RequestMethod.Get, uri);
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message.Response, $"Querying {table}");

        using var doc = JsonDocument.Parse(message.Response.Content.ToMemory());
        var entities = doc.RootElement.GetProperty("value").EnumerateArray().Select(e => TableEntityJson.Parse(e)).ToList();
        TableContinuation? next = null;
        if (message.Response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPk) && !string.IsNullOrEmpty(nextPk))
        {
            message.Response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRk);
            next = new TableContinuation(nextPk, string.IsNullOrEmpty(nextRk) ? null : nextRk);
        }
        return new TableQueryPage(entities, next);
    }

    public async Task<string?> UpsertEntityAsync(string table, TableEntity entity, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Put, EntityUri(table, entity.PartitionKey, entity.RowKey));
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(TableEntityJson.Serialize(entity));
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message.Response, $"Writing entity to {table}");
        return message.Response.Headers.TryGetValue("ETag", out var etag) ? etag : null;
    }

    public async Task DeleteEntityAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Delete, EntityUri(table, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", "*");
        await _pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status == 404)
        {
            return;
        }
        EnsureSuccess(message.Response, $"Deleting entity from {table}");
    }

    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken)
    {
        var batch = TableBatchFormat.BuildRequest(_endpoint, table, operations);
        using var message = CreateMessage(RequestMethod.Post, $"{_endpoint}/$batch");
        message.Request.Headers.SetValue("Content-Type", $"multipart/mixed; boundary={batch.Boundary}");
        message.Request.Content = RequestContent.Create(batch.Body);
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message.Response, $"Transaction on {table}");

        return TableBatchFormat.ParseResponse(message.Response.Content.ToArray(), operations.Count);
    }

    private HttpMessage CreateMessage(RequestMethod method, string uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(uri));
        message.Request.Headers.SetValue("x-ms-version", ApiVersion);
        message.Request.Headers.SetValue("DataServiceVersion", "3.0");
        message.Request.Headers.SetValue("Accept", JsonAccept);
        return message;
    }

    internal string EntityUri(string table, string partitionKey, string rowKey) =>
        $"{_endpoint}/{table}(PartitionKey={EscapeKey(partitionKey)},RowKey={EscapeKey(rowKey)})";

    private static string EscapeKey(string key) => Uri.EscapeDataString(TableClientExtensions.Quote(key));

    internal static void EnsureSuccess(Response response, string what)
    {
        if (response.Status is >= 200 and < 300)
        {
            return;
        }
        var (code, text) = ReadError(response.Content.ToString());
        throw new StorageRequestFailedException(response.Status, code, $"{what} failed: {text ?? response.ReasonPhrase}");
    }

    internal static (string? Code, string? Message) ReadError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("odata.error", out var error))
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var text = error.TryGetProperty("message", out var m) && m.TryGetProperty("value", out var v) ? v.GetString() : null;
                return (code, text);
            }
        }
        catch (JsonException)
        {
        }
        return (null, body.Length > 300 ? body[..300] : body);
    }
}
