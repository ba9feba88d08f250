using System.Diagnostics;
using Amazon.S3.Model;
using AuditExport.Destinations;
using AuditExport.LocalHost;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AuditExport.Benchmarks;

/// <summary>
/// The raw upload rate of each destination emulator: the same number of bytes as the exported segments, in
/// parts and blocks of the exporter's size, sent one after the other by the plain client with no reading and
/// no retries. It explains the export ratio: the exporter has to do this and the read on the same 2 cores.
/// </summary>
public static class WriteCeiling
{
    public static async Task<TimeSpan> S3Async(Emulators emulators, long bytes)
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        using var client = S3Buckets.Client(emulators.S3Endpoint);
        var part = Payload(S3ExportDestination.PartBytes);
        var stopwatch = Stopwatch.StartNew();
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "ceiling.jsonl.gz" });
        var etags = new List<PartETag>();
        var number = 1;
        for (long sent = 0; sent < bytes; sent += part.Length, number++)
        {
            var size = (int)Math.Min(part.Length, bytes - sent);
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "ceiling.jsonl.gz", UploadId = upload.UploadId, PartNumber = number,
                InputStream = new MemoryStream(part, 0, size, writable: false),
            });
            etags.Add(new PartETag(number, response.ETag));
        }
        await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "ceiling.jsonl.gz", UploadId = upload.UploadId, PartETags = etags });
        return stopwatch.Elapsed;
    }

    public static async Task<TimeSpan> BlobAsync(Emulators emulators, long bytes)
    {
        var container = new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient("ceiling-" + Handlers.RunId());
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlockBlobClient("ceiling.jsonl.gz");
        var block = Payload(AdlsExportDestination.BlockBytes);
        var stopwatch = Stopwatch.StartNew();
        var ids = new List<string>();
        for (long sent = 0; sent < bytes; sent += block.Length)
        {
            var id = AdlsExportDestination.BlockId(ids.Count);
            await blob.StageBlockAsync(id, new MemoryStream(block, 0, (int)Math.Min(block.Length, bytes - sent), writable: false));
            ids.Add(id);
        }
        await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/gzip" } });
        return stopwatch.Elapsed;
    }

    private static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        new Random(7).NextBytes(bytes); // compressed audit data looks random to the store
        return bytes;
    }
}
