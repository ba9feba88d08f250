using System.Text;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Storage;

/// <summary>The Blob REST client against Azurite.</summary>
[Collection(EmulatorsCollection.Name)]
public sealed class BlobClientContractTests(EmulatorsFixture azurite)
{
    private readonly AzureBlobClient _blobs = azurite.BlobClient();
    private readonly string _container = EmulatorsFixture.UniqueName("contract-");

    [Fact]
    public async Task Create_container_is_idempotent_and_put_blob_round_trips_bytes()
    {
        await _blobs.CreateContainerIfNotExistsAsync(_container, default);
        await _blobs.CreateContainerIfNotExistsAsync(_container, default);
        var content = Encoding.UTF8.GetBytes("{\"id\":\"a\"}\n");
        await _blobs.PutBlobAsync(_container, "audit/2026/11/22/08/file with space.jsonl", content, "application/x-ndjson", default);
        Assert.Equal(content, await _blobs.GetBlobAsync(_container, "audit/2026/11/22/08/file with space.jsonl", default));
    }

    [Fact]
    public async Task Put_blob_replaces_an_existing_blob()
    {
        await _blobs.CreateContainerIfNotExistsAsync(_container, default);
        await _blobs.PutBlobAsync(_container, "x", new byte[] { 1, 2, 3 }, "application/octet-stream", default);
        await _blobs.PutBlobAsync(_container, "x", new byte[] { 4 }, "application/octet-stream", default);
        Assert.Equal(new byte[] { 4 }, await _blobs.GetBlobAsync(_container, "x", default));
    }

    [Fact]
    public async Task Staged_blocks_are_invisible_until_the_block_list_commits_them_in_order()
    {
        await _blobs.CreateContainerIfNotExistsAsync(_container, default);
        var random = new Random(7);
        var blocks = Enumerable.Range(0, 3).Select(i =>
        {
            var data = new byte[1024 * 1024 + i];
            random.NextBytes(data);
            return data;
        }).ToList();
        for (var i = 0; i < blocks.Count; i++)
        {
            await _blobs.PutBlockAsync(_container, "big.jsonl.gz", AzureBlobClient.BlockId(i), blocks[i], default);
        }
        Assert.Null(await _blobs.GetBlobAsync(_container, "big.jsonl.gz", default));

        await _blobs.PutBlockListAsync(_container, "big.jsonl.gz", [AzureBlobClient.BlockId(0), AzureBlobClient.BlockId(1), AzureBlobClient.BlockId(2)], "application/gzip", default);
        Assert.Equal(blocks.SelectMany(b => b).ToArray(), await _blobs.GetBlobAsync(_container, "big.jsonl.gz", default));
    }

    [Fact]
    public async Task Missing_blob_is_null_and_missing_container_is_an_error_with_its_code()
    {
        await _blobs.CreateContainerIfNotExistsAsync(_container, default);
        Assert.Null(await _blobs.GetBlobAsync(_container, "absent", default));
        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() =>
            _blobs.PutBlobAsync(EmulatorsFixture.UniqueName("absent-"), "x", new byte[] { 1 }, "text/plain", default));
        Assert.Equal(404, error.Status);
        Assert.Equal("ContainerNotFound", error.ErrorCode);
    }
}
