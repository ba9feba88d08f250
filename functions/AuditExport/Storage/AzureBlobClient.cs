using System.Security;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Storage;

/// <summary>Blob service REST client on Azure.Core's pipeline. Auth: SharedKey, bearer token, or a SAS.</summary>
public sealed class AzureBlobClient : IBlobClient
{
    public const int MaxBlockBytes = 100 * 1024 * 1024;
    public const int MaxBlocks = 50_000;
    private const string ApiVersion = "2021-12-02";

    private readonly HttpPipeline _pipeline;
    private readonly string _endpoint;
    private readonly string? _sasQuery;

    public AzureBlobClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        _endpoint = connection.BlobEndpoint.AbsoluteUri.TrimEnd('/');
        _pipeline = (options ?? new StorageClientOptions()).BuildPipeline(connection.CreateAuthPolicy(StorageService.Blob));
    }

    /// <summary>A client authorised by a SAS token (the query string, with or without a leading '?').</summary>
    public AzureBlobClient(Uri blobEndpoint, string sasToken, StorageClientOptions? options = null)
    {
        _endpoint = blobEndpoint.AbsoluteUri.TrimEnd('/');
        _sasQuery = sasToken.TrimStart('?');
        _pipeline = HttpPipelineBuilder.Build(options ?? new StorageClientOptions(), [.. (options?.AdditionalPolicies ?? [])]);
    }

    public async Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Put, $"{_endpoint}/{container}", "restype=container");
        await _pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status == 409)
        {
            return; // ContainerAlreadyExists
        }
        EnsureSuccess(message, $"Creating container {container}");
    }

    public async Task PutBlobAsync(string container, string blobName, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Put, BlobUri(container, blobName), null);
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Headers.SetValue("Content-Type", contentType);
        message.Request.Content = RequestContent.Create(content);
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message, $"Writing blob {container}/{blobName}");
    }

    public async Task PutBlockAsync(string container, string blobName, string blockId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Put, BlobUri(container, blobName), "comp=block&blockid=" + Uri.EscapeDataString(blockId));
        message.Request.Content = RequestContent.Create(content);
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message, $"Staging block of {container}/{blobName}");
    }

    public async Task PutBlockListAsync(string container, string blobName, IReadOnlyList<string> blockIds, string contentType, CancellationToken cancellationToken)
    {
        if (blockIds.Count > MaxBlocks)
        {
            throw new ArgumentException($"A block blob has at most {MaxBlocks} blocks; got {blockIds.Count}.");
        }
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds)
        {
            xml.Append("<Latest>").Append(SecurityElement.Escape(id)).Append("</Latest>");
        }
        xml.Append("</BlockList>");

        using var message = CreateMessage(RequestMethod.Put, BlobUri(container, blobName), "comp=blocklist");
        message.Request.Headers.SetValue("x-ms-blob-content-type", contentType);
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml.ToString()));
        await _pipeline.SendAsync(message, cancellationToken);
        EnsureSuccess(message, $"Committing blocks of {container}/{blobName}");
    }

    public async Task<byte[]?> GetBlobAsync(string container, string blobName, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, BlobUri(container, blobName), null);
        await _pipeline.SendAsync(message, cancellationToken);
        if (message.Response.Status == 404)
        {
            return null;
        }
        EnsureSuccess(message, $"Reading blob {container}/{blobName}");
        return message.Response.Content.ToArray();
    }

    /// <summary>Block ids must all have the same length; this makes them from a running number.</summary>
    public static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D8}"));

    private HttpMessage CreateMessage(RequestMethod method, string uri, string? query)
    {
        var parts = new[] { query, _sasQuery }.Where(q => !string.IsNullOrEmpty(q));
        var full = parts.Any() ? uri + "?" + string.Join('&', parts) : uri;
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(full));
        message.Request.Headers.SetValue("x-ms-version", ApiVersion);
        return message;
    }

    private string BlobUri(string container, string blobName) =>
        $"{_endpoint}/{container}/{string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString))}";

    private static void EnsureSuccess(HttpMessage message, string what)
    {
        var response = message.Response;
        if (response.Status is >= 200 and < 300)
        {
            return;
        }
        response.Headers.TryGetValue("x-ms-error-code", out var code);
        // Never echo the request URI: with a SAS it carries the signature.
        throw new StorageRequestFailedException(response.Status, code, $"{what} failed: {response.ReasonPhrase}");
    }
}
