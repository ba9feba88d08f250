using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AuditExport.Destinations;

/// <summary>
/// ADLS Gen2 through its Blob endpoint with a SAS (the container is the file system): one Put Blob for a small
/// object, Put Block per 8 MiB part and Put Block List otherwise. Nothing is visible until the list commits.
/// </summary>
public sealed class AdlsExportDestination(BlobContainerClient fileSystem, RetryPolicy retry) : IExportDestination
{
    public const int BlockBytes = 8 * 1024 * 1024;

    /// <summary>The file system (container) of an ADLS configuration, authorised by its SAS token.</summary>
    public static BlobContainerClient FileSystemClient(DestinationSettings destination, string? sasToken, BlobClientOptions options) =>
        FileSystemClient(destination.AdlsBlobEndpoint, destination.FileSystem!, sasToken ?? throw new InvalidOperationException("The configuration has no SAS token."), options);

    public static BlobContainerClient FileSystemClient(Uri blobEndpoint, string fileSystem, string sasToken, BlobClientOptions options) =>
        new(new Uri(blobEndpoint.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(fileSystem)), new Azure.AzureSasCredential(sasToken), options);

    /// <summary>Block ids of one blob must all have the same length; these come from the part number.</summary>
    public static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D8}"));

    public Task<IObjectWriter> StartObjectAsync(string objectName, string contentType, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectWriter>(new Writer(fileSystem.GetBlockBlobClient(objectName), retry, objectName, contentType));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Writer(BlockBlobClient blob, RetryPolicy retry, string name, string contentType) : PartedObjectWriter(AdlsExportDestination.BlockBytes)
    {
        private readonly BlobHttpHeaders _headers = new() { ContentType = contentType };

        protected override string ObjectName => name;

        protected override Task<ExistingObject?> ReadExistingAsync(CancellationToken cancellationToken) =>
            retry.RunAsync($"Get Blob {name}", async ct =>
            {
                try
                {
                    var download = await blob.DownloadStreamingAsync(cancellationToken: ct);
                    return new ExistingObject(download.Value.Details.ContentLength, download.Value.Content);
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    return null;
                }
            }, cancellationToken);

        protected override Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Blob {name}", ct => blob.UploadAsync(BinaryData.FromBytes(content).ToStream(), new BlobUploadOptions { HttpHeaders = _headers }, ct), cancellationToken);

        protected override Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Block {partNumber} of {name}",
                ct => blob.StageBlockAsync(BlockId(partNumber), BinaryData.FromBytes(content).ToStream(), cancellationToken: ct), cancellationToken);

        protected override Task CommitPartsAsync(int partCount, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Block List {name}", ct => blob.CommitBlockListAsync(
                Enumerable.Range(1, partCount).Select(BlockId), new CommitBlockListOptions { HttpHeaders = _headers }, ct), cancellationToken);
    }
}
