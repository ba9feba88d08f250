using System.Text.Json;
using Amazon.S3.Model;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace AuditExport.Destinations;

/// <summary>
/// Tests a destination the way an export uses it: writes a small probe object under the configured path
/// (S3 needs only s3:PutObject; ADLS a SAS with create and write). Answers "SUCCESS" or a sentence naming the
/// destination, the auth method and the reason, never a secret.
/// </summary>
public sealed class ConnectionTester(S3ClientFactory s3Clients, DestinationGuard guard, DestinationTimeouts timeouts, TimeProvider clock, ILogger<ConnectionTester> logger)
{
    public const string ProbeObjectName = "audit-export-connection-test.json";

    /// <summary>The status of a connection that works (Immuta's word).</summary>
    public const string Success = "SUCCESS";

    /// <param name="secret">Read inside the test, so a stored secret that cannot be decrypted is answered as a status too.</param>
    public async Task<string> TestAsync(Guid configurationId, DestinationSettings destination, Func<string?> secret, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeouts.Test);
        var probe = JsonSerializer.SerializeToUtf8Bytes(new
        {
            purpose = "Connection test by the audit exporter; safe to delete.",
            configurationId,
            testedAt = clock.GetUtcNow(),
        });
        try
        {
            var clear = secret();
            await guard.CheckAsync(destination, clear, timeout.Token);
            if (destination.IsS3)
            {
                using var s3 = await s3Clients.CreateAsync(configurationId, destination, clear, timeout.Token);
                // With the export's encryption headers: a bucket policy that requires them refuses the probe as it would the export.
                await s3.PutObjectAsync(S3Encryption.Of(destination).Apply(new PutObjectRequest
                {
                    BucketName = destination.Bucket,
                    Key = destination.ObjectName(ProbeObjectName),
                    InputStream = new MemoryStream(probe),
                    ContentType = "application/json",
                    UseChunkEncoding = destination.Endpoint is null,
                }), timeout.Token);
            }
            else
            {
                var fileSystem = AdlsExportDestination.FileSystemClient(destination, clear, timeouts.BlobOptions());
                await fileSystem.GetBlockBlobClient(destination.ObjectName(ProbeObjectName)).UploadAsync(new MemoryStream(probe),
                    new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, timeout.Token);
            }
            return Success;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var status = $"Error testing access to {StatusName(destination)} - {Redact(Reason(e, timeouts.Request, serviceText: destination.Endpoint is null))}{EncryptionHint(destination, e)}";
            logger.LogWarning("Connection test of configuration {Id} failed: {Status}", configurationId, status);
            return status;
        }
    }

    /// <summary>
    /// Immuta's documented form for S3 ("Error testing access to S3 using AssumedRole &lt;roleArn&gt; - &lt;AWS message&gt;"),
    /// so scripts that match its statuses keep working; ADLS, which Immuta gives no form for, names the account and file system.
    /// </summary>
    private static string StatusName(DestinationSettings destination) => destination.Type switch
    {
        DestinationType.S3AccessKey => $"S3 using AccessKey {destination.AccessKeyId}",
        DestinationType.S3AssumedRole => $"S3 using AssumedRole {destination.RoleArn}",
        _ => destination.Describe(),
    };

    /// <summary>
    /// AWS's own message as Immuta shows it (it names the action and resource refused), the storage service's code
    /// and message (see <see cref="RetryPolicy.Describe"/>), or that the destination did not answer in time.
    /// </summary>
    private static string Reason(Exception e, TimeSpan limit, bool serviceText) => RetryPolicy.Cause(e) switch
    {
        OperationCanceledException or TimeoutException => $"no answer within {limit.TotalSeconds:0} seconds (tried {DestinationTimeouts.Attempts} times)",
        var cause when AwsMessage(cause, serviceText) is { } message => message,
        _ => RetryPolicy.Describe(e, serviceText),
    };

    /// <summary>AWS's message; from a custom endpoint only STS's (the operator's endpoint, not the configuration's).</summary>
    private static string? AwsMessage(Exception e, bool serviceText) => e switch
    {
        Amazon.Runtime.AmazonServiceException { Message.Length: > 0 } aws when RetryPolicy.ShowsServiceText(aws, serviceText) => aws.Message,
        DestinationAccessException { InnerException: { } inner } => AwsMessage(RetryPolicy.Cause(inner), serviceText),
        _ => null,
    };

    /// <summary>An S3 write refused while no encryption is configured: a bucket policy may demand the SSE headers.</summary>
    private static string EncryptionHint(DestinationSettings destination, Exception e) =>
        destination.IsS3 && destination.ServerSideEncryption is null && RetryPolicy.IsS3AccessDenied(e)
            ? " (if a bucket policy requires server-side encryption headers, set serverSideEncryption, and kmsKeyId for aws:kms)"
            : "";

    /// <summary>Belt and braces: a SAS signature never survives into a status, whatever an exception said.</summary>
    private static string Redact(string reason)
    {
        var redacted = System.Text.RegularExpressions.Regex.Replace(reason, "(?i)(sig|signature|x-amz-security-token)=[^&\\s\"']+", "$1=REDACTED");
        return redacted.Length > 500 ? redacted[..500] + "…" : redacted;
    }
}
