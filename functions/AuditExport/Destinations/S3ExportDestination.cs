using Amazon.S3;
using Amazon.S3.Model;

namespace AuditExport.Destinations;

/// <summary>
/// S3 through AWSSDK.S3: one PutObject for a small object, a multipart upload otherwise, each with the configuration's
/// server-side encryption headers (<see cref="S3Encryption"/>; UploadPart takes none: the upload's own apply).
/// </summary>
public sealed class S3ExportDestination(IAmazonS3 s3, string bucket, bool customEndpoint, RetryPolicy retry, S3Encryption? encryption = null) : IExportDestination
{
    public const int PartBytes = 8 * 1024 * 1024; // S3 parts are at least 5 MiB except the last

    public Task<IObjectWriter> StartObjectAsync(string objectName, string contentType, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectWriter>(new Writer(s3, bucket, customEndpoint, retry, objectName, contentType, encryption ?? S3Encryption.None));

    public ValueTask DisposeAsync()
    {
        s3.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Writer(IAmazonS3 s3, string bucket, bool customEndpoint, RetryPolicy retry, string key, string contentType, S3Encryption encryption)
        : PartedObjectWriter(S3ExportDestination.PartBytes)
    {
        private string? _uploadId;

        protected override string ObjectName => key;
        private readonly List<PartETag> _etags = [];

        protected override Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            retry.RunAsync($"PutObject {key}", ct => s3.PutObjectAsync(encryption.Apply(new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = new MemoryStream(content.ToArray(), writable: false),
                ContentType = contentType,
                UseChunkEncoding = !customEndpoint,
            }), ct), cancellationToken);

        protected override async Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            _uploadId ??= (await retry.RunAsync($"CreateMultipartUpload {key}", ct => s3.InitiateMultipartUploadAsync(
                encryption.Apply(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = contentType }), ct), cancellationToken)).UploadId;
            var bytes = content.ToArray();
            var response = await retry.RunAsync($"UploadPart {partNumber} of {key}", ct => s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = _uploadId,
                PartNumber = partNumber,
                InputStream = new MemoryStream(bytes, writable: false),
                UseChunkEncoding = !customEndpoint,
            }, ct), cancellationToken);
            _etags.Add(new PartETag(partNumber, response.ETag));
        }

        protected override Task CommitPartsAsync(int partCount, CancellationToken cancellationToken) =>
            retry.RunAsync($"CompleteMultipartUpload {key}", ct => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = _uploadId,
                PartETags = _etags,
            }, ct), cancellationToken);

        protected override Task<ExistingObject?> ReadExistingAsync(CancellationToken cancellationToken) =>
            retry.RunAsync($"GetObject {key}", async ct =>
            {
                try
                {
                    var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, ct);
                    return new ExistingObject(response.ContentLength, new OwningStream(response.ResponseStream, response));
                }
                catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    return null;
                }
            }, cancellationToken);

        protected override async Task AbandonAsync()
        {
            if (_uploadId is null)
            {
                return;
            }
            try
            {
                await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId });
            }
            catch (AmazonS3Exception)
            {
                // Best effort: a lifecycle rule for incomplete multipart uploads cleans up what is left.
            }
        }
    }
}

/// <summary>A response's body stream that disposes the response with it.</summary>
internal sealed class OwningStream(Stream inner, IDisposable owner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A configuration's S3 server-side encryption, as the headers of PutObject and CreateMultipartUpload carry it.</summary>
public sealed record S3Encryption(string? Method, string? KmsKeyId, bool BucketKeyEnabled)
{
    public static readonly S3Encryption None = new(null, null, false);

    public static S3Encryption Of(DestinationSettings destination) => new(destination.ServerSideEncryption, destination.KmsKeyId, destination.BucketKeyEnabled);

    public PutObjectRequest Apply(PutObjectRequest request)
    {
        Set((method, key, bucketKey) => (request.ServerSideEncryptionMethod, request.ServerSideEncryptionKeyManagementServiceKeyId, request.BucketKeyEnabled) = (method, key, bucketKey));
        return request;
    }

    public InitiateMultipartUploadRequest Apply(InitiateMultipartUploadRequest request)
    {
        Set((method, key, bucketKey) => (request.ServerSideEncryptionMethod, request.ServerSideEncryptionKeyManagementServiceKeyId, request.BucketKeyEnabled) = (method, key, bucketKey));
        return request;
    }

    /// <summary>The two request types share no interface for these headers; each hands over its own setters.</summary>
    private void Set(Action<ServerSideEncryptionMethod, string?, bool?> set)
    {
        if (Method is not null)
        {
            set(ServerSideEncryptionMethod.FindValue(Method), KmsKeyId, BucketKeyEnabled ? true : null);
        }
    }
}
