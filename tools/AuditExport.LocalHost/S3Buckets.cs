using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace AuditExport.LocalHost;

/// <summary>Direct access to the s3rver emulator (its fixed key pair S3RVER/S3RVER), to prepare buckets and read what the exporter wrote.</summary>
public static class S3Buckets
{
    public static AmazonS3Client Client(Uri endpoint) => new(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
    {
        ServiceURL = endpoint.AbsoluteUri,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static async Task<string> CreateAsync(Uri endpoint)
    {
        var bucket = "audit-" + Guid.NewGuid().ToString("N")[..12];
        using var client = Client(endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return bucket;
    }

    public static async Task<string?> ReadAsync(Uri endpoint, string bucket, string key) =>
        await ReadBytesAsync(endpoint, bucket, key) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary>An object's bytes, or null when there is no such object.</summary>
    public static async Task<byte[]?> ReadBytesAsync(Uri endpoint, string bucket, string key)
    {
        using var client = Client(endpoint);
        try
        {
            using var response = await client.GetObjectAsync(bucket, key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
