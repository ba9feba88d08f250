using System.Text;
using AuditExport.Destinations;
using AuditExport.Tests.Infrastructure;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AuditExport.Tests.Storage;

/// <summary>Azure.Storage.Blobs against Azurite: what quarantine and the ADLS destination rely on.</summary>
[Collection(EmulatorsCollection.StorageAndPackage)]
public sealed class BlobStorageContractTests(EmulatorsFixture azurite)
{
    private readonly BlobContainerClient _container = azurite.BlobService().GetBlobContainerClient(EmulatorsFixture.UniqueName("contract-"));

    [Fact]
    public async Task Create_container_is_idempotent_and_upload_round_trips_bytes_and_content_type()
    {
        await _container.CreateIfNotExistsAsync();
        await _container.CreateIfNotExistsAsync();
        var content = Encoding.UTF8.GetBytes("{\"id\":\"a\"}\n");
        var blob = _container.GetBlobClient("audit/2026/11/22/08/file with space.jsonl");
        await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } });
        Assert.Equal(content, await azurite.ReadBlobAsync(_container.Name, "audit/2026/11/22/08/file with space.jsonl"));
        Assert.Equal("application/x-ndjson", (await blob.GetPropertiesAsync()).Value.ContentType);
    }

    [Fact]
    public async Task Upload_replaces_an_existing_blob()
    {
        await _container.CreateIfNotExistsAsync();
        await _container.GetBlobClient("x").UploadAsync(BinaryData.FromBytes(new byte[] { 1, 2, 3 }));
        await _container.GetBlobClient("x").UploadAsync(BinaryData.FromBytes(new byte[] { 4 }), overwrite: true);
        Assert.Equal(new byte[] { 4 }, await azurite.ReadBlobAsync(_container.Name, "x"));
    }

    [Fact]
    public async Task Staged_blocks_are_invisible_until_the_block_list_commits_them_in_order()
    {
        await _container.CreateIfNotExistsAsync();
        var random = new Random(7);
        var blocks = Enumerable.Range(0, 3).Select(i =>
        {
            var data = new byte[1024 * 1024 + i];
            random.NextBytes(data);
            return data;
        }).ToList();
        var blob = _container.GetBlockBlobClient("big.jsonl.gz");
        for (var i = 0; i < blocks.Count; i++)
        {
            await blob.StageBlockAsync(AdlsExportDestination.BlockId(i), new MemoryStream(blocks[i]));
        }
        Assert.Null(await azurite.ReadBlobAsync(_container.Name, "big.jsonl.gz"));

        await blob.CommitBlockListAsync(Enumerable.Range(0, 3).Select(AdlsExportDestination.BlockId),
            new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/gzip" } });
        Assert.Equal(blocks.SelectMany(b => b).ToArray(), await azurite.ReadBlobAsync(_container.Name, "big.jsonl.gz"));
    }

    [Fact]
    public async Task A_container_sas_with_create_and_write_is_enough_and_a_wrong_signature_is_refused_with_its_code()
    {
        await _container.CreateIfNotExistsAsync();
        var endpoint = azurite.BlobService().Uri;
        var options = new DestinationTimeouts { Request = TimeSpan.FromSeconds(10) }.BlobOptions();
        var writable = AdlsExportDestination.FileSystemClient(endpoint, _container.Name, "?" + LocalHost.AzuriteSas.ForContainer(_container.Name, "cw", DateTimeOffset.UtcNow.AddHours(1)), options);
        await writable.GetBlockBlobClient("probe.json").UploadAsync(new MemoryStream([1, 2]));
        Assert.Equal(new byte[] { 1, 2 }, await azurite.ReadBlobAsync(_container.Name, "probe.json"));

        var forged = AdlsExportDestination.FileSystemClient(endpoint, _container.Name,
            LocalHost.AzuriteSas.ForContainer(_container.Name, "cw", DateTimeOffset.UtcNow.AddHours(1), signatureOverride: "Zm9yZ2VkLXNpZ25hdHVyZQ=="), options);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => forged.GetBlockBlobClient("probe.json").UploadAsync(new MemoryStream([3])));
        Assert.Equal(403, error.Status);
        Assert.True(RetryPolicy.IsAccessError(error));
        Assert.DoesNotContain("Zm9yZ2VkLXNpZ25hdHVyZQ", RetryPolicy.Describe(error));
    }

    [Fact]
    public async Task Missing_blob_reads_as_absent_and_a_missing_container_is_an_error_with_its_code()
    {
        await _container.CreateIfNotExistsAsync();
        Assert.Null(await azurite.ReadBlobAsync(_container.Name, "absent"));
        var missing = azurite.BlobService().GetBlobContainerClient(EmulatorsFixture.UniqueName("absent-"));
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => missing.GetBlobClient("x").UploadAsync(BinaryData.FromBytes(new byte[] { 1 })));
        Assert.Equal(404, error.Status);
        Assert.Equal("ContainerNotFound", error.ErrorCode);
        Assert.True(RetryPolicy.IsAccessError(error));
        Assert.StartsWith("ContainerNotFound: ", RetryPolicy.Describe(error));
    }
}
