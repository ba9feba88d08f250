using AuditExport.LocalHost;
using AuditExport.Destinations;
using AuditExport.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuditExport.Tests.Export;

/// <summary>Large objects stream in parts: S3 multipart against s3rver, ADLS blocks against Azurite.</summary>
[Collection(EmulatorsCollection.Export)]
public sealed class ObjectWriterTests(EmulatorsFixture emulators)
{
    private static readonly RetryPolicy Retry = new(2, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), NullLogger.Instance);

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static async Task WriteInPiecesAsync(IExportDestination destination, string name, byte[] content)
    {
        await using var writer = await destination.StartObjectAsync(name, "application/gzip", default);
        for (var offset = 0; offset < content.Length; offset += 777_777) // uneven writes across part boundaries
        {
            await writer.WriteAsync(content.AsMemory(offset, Math.Min(777_777, content.Length - offset)), default);
        }
        await writer.CompleteAsync(default);
        Assert.Equal(content.Length, writer.BytesWritten);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(8 * 1024 * 1024)]
    [InlineData(20 * 1024 * 1024 + 3)]
    public async Task S3_objects_of_any_size_arrive_byte_for_byte(int size)
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var content = RandomBytes(size);
        await using (var destination = new S3ExportDestination(S3Buckets.Client(emulators.S3Endpoint), bucket, customEndpoint: true, Retry))
        {
            await WriteInPiecesAsync(destination, "big/object.jsonl.gz", content);
        }
        using var client = S3Buckets.Client(emulators.S3Endpoint);
        using var response = await client.GetObjectAsync(bucket, "big/object.jsonl.gz");
        using var read = new MemoryStream();
        await response.ResponseStream.CopyToAsync(read);
        Assert.Equal(content, read.ToArray());
        Assert.Equal("application/gzip", response.Headers.ContentType);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(20 * 1024 * 1024 + 3)]
    public async Task Adls_objects_of_any_size_arrive_byte_for_byte(int size)
    {
        var container = EmulatorsFixture.UniqueName("writer-");
        await emulators.CreateContainerAsync(container);
        var content = RandomBytes(size);
        await using (var destination = new AdlsExportDestination(emulators.BlobService().GetBlobContainerClient(container), Retry))
        {
            await WriteInPiecesAsync(destination, "big/object.jsonl.gz", content);
        }
        Assert.Equal(content, await emulators.ReadBlobAsync(container, "big/object.jsonl.gz"));
    }

    [Fact]
    public async Task An_abandoned_multipart_object_never_becomes_visible()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        await using (var destination = new S3ExportDestination(S3Buckets.Client(emulators.S3Endpoint), bucket, customEndpoint: true, Retry))
        {
            await using var writer = await destination.StartObjectAsync("partial.jsonl.gz", "application/gzip", default);
            await writer.WriteAsync(RandomBytes(S3ExportDestination.PartBytes + 10), default);
            // disposed without CompleteAsync: the upload is aborted
        }
        Assert.Null(await S3Buckets.ReadAsync(emulators.S3Endpoint, bucket, "partial.jsonl.gz"));
    }
}
