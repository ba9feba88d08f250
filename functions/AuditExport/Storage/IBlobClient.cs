namespace AuditExport.Storage;

/// <summary>The narrow slice of the Blob service this app uses (also ADLS Gen2 through its Blob endpoint).</summary>
public interface IBlobClient
{
    Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken);

    /// <summary>Single-request upload, replacing any blob of that name.</summary>
    Task PutBlobAsync(string container, string blobName, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    /// <summary>Stages one block of a block blob; nothing is visible until the block list is committed.</summary>
    Task PutBlockAsync(string container, string blobName, string blockId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Commits staged blocks, in order, as the blob's content.</summary>
    Task PutBlockListAsync(string container, string blobName, IReadOnlyList<string> blockIds, string contentType, CancellationToken cancellationToken);

    /// <summary>Whole blob content; null when absent. For small blobs (tests, probes, operators).</summary>
    Task<byte[]?> GetBlobAsync(string container, string blobName, CancellationToken cancellationToken);
}
