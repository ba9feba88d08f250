using AuditExport.Storage;

namespace AuditExport.Destinations;

/// <summary>ADLS Gen2 through its Blob endpoint with a SAS: Put Blob for a small object, blocks + block list otherwise.</summary>
public sealed class AdlsExportDestination(IBlobClient blobs, string fileSystem, RetryPolicy retry) : IExportDestination
{
    public const int BlockBytes = 8 * 1024 * 1024;

    public Task<IObjectWriter> StartObjectAsync(string objectName, string contentType, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectWriter>(new Writer(blobs, fileSystem, retry, objectName, contentType));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Writer(IBlobClient blobs, string fileSystem, RetryPolicy retry, string name, string contentType) : PartedObjectWriter(AdlsExportDestination.BlockBytes)
    {
        protected override Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Blob {name}", ct => blobs.PutBlobAsync(fileSystem, name, content, contentType, ct), cancellationToken);

        protected override Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Block {partNumber} of {name}",
                ct => blobs.PutBlockAsync(fileSystem, name, AzureBlobClient.BlockId(partNumber), content, ct), cancellationToken);

        protected override Task CommitPartsAsync(int partCount, CancellationToken cancellationToken) =>
            retry.RunAsync($"Put Block List {name}", ct => blobs.PutBlockListAsync(fileSystem, name,
                Enumerable.Range(1, partCount).Select(AzureBlobClient.BlockId).ToList(), contentType, ct), cancellationToken);
    }
}
