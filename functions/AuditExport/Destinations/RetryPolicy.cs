using System.Net;
using Amazon.Runtime;
using Azure;
using AuditExport.Storage;
using Microsoft.Extensions.Logging;
using Polly;

namespace AuditExport.Destinations;

/// <summary>
/// Retries transient destination failures (5xx, throttling, timeouts, resets) with capped exponential backoff
/// and jitter (<see cref="Retries.Transient"/>). Access errors (403, AccessDenied, expired SAS or token, missing bucket or container) are
/// not transient: they fail at once, as <see cref="DestinationAccessException"/>, with the service's reason.
/// </summary>
/// <param name="serviceText">
/// Whether the service's own messages may be shown (to Readers, in statuses and job reasons). Not for a custom
/// endpoint: whatever answers there (an internal service, if someone points a configuration at one) is not ours to
/// repeat, so only its HTTP status and a well-formed error code are.
/// </param>
public sealed class RetryPolicy(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, ILogger logger, bool serviceText = true)
{
    private static readonly HashSet<string> AccessErrors = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
        "NoSuchBucket", "AllAccessDisabled", "AccountProblem", "AuthenticationFailed", "AuthorizationFailure",
        "AuthorizationPermissionMismatch", "ContainerNotFound", "InvalidClientTokenId", "UnrecognizedClientException",
        // Immutable storage (WORM) refusing to overwrite or delete: not transient; PartedObjectWriter compares what is there.
        "BlobImmutableDueToPolicy", "BlobImmutableDueToLegalHold",
    };

    private static readonly ResiliencePropertyKey<string> What = new("what");

    private readonly ResiliencePipeline _pipeline = Retries.Transient(maxAttempts, baseDelay, maxDelay, e => !IsAccessError(e),
        (context, attempt, e, delay) => logger.LogWarning("{What} failed (attempt {Attempt} of {Max}): {Reason}; retrying in {Delay} ms",
            context.Properties.GetValue(What, "a call"), attempt, maxAttempts, Describe(e, serviceText), (int)delay.TotalMilliseconds));

    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(What, what);
        try
        {
            return await _pipeline.ExecuteAsync(async (ctx, act) => await act(ctx.CancellationToken), context, action);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not DestinationAccessException)
        {
            throw IsAccessError(e)
                ? new DestinationAccessException(Describe(e, serviceText), e)
                : new DestinationUnavailableException($"{what} failed after {maxAttempts} attempts: {Describe(e, serviceText)}", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        RunAsync(what, async ct =>
        {
            await action(ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Whether a write failed in a way a WORM destination refuses an overwrite: Azure's 409 BlobImmutableDueToPolicy or
    /// BlobImmutableDueToLegalHold, or S3's 403 AccessDenied (what a bucket policy that denies overwrites answers; Object
    /// Lock itself keeps the locked version and stores a new one). An AccessDenied for want of permission looks the same:
    /// the writer tells them apart by whether the object is there.
    /// </summary>
    public static bool MayBeRefusedOverwrite(Exception e) => IsImmutabilityRefusal(e) || IsS3AccessDenied(e); // S3's only: STS refuses roles, not objects

    /// <summary>Azure immutable storage refusing to change a blob that is there (409 BlobImmutableDueToPolicy or BlobImmutableDueToLegalHold).</summary>
    public static bool IsImmutabilityRefusal(Exception e) =>
        Unwrapped(e) is RequestFailedException { Status: 409, ErrorCode: "BlobImmutableDueToPolicy" or "BlobImmutableDueToLegalHold" };

    /// <summary>S3's own 403 AccessDenied (not STS's): missing permission, a bucket policy's Deny (required encryption headers, no overwrites) or a KMS key policy.</summary>
    public static bool IsS3AccessDenied(Exception e) =>
        Unwrapped(e) is Amazon.S3.AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden, ErrorCode: "AccessDenied" };

    private static Exception Unwrapped(Exception e) => Cause(e is DestinationAccessException { InnerException: { } inner } ? inner : e);

    public static bool IsAccessError(Exception e) => e switch
    {
        AmazonServiceException aws => aws.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
            || (aws.ErrorCode is not null && AccessErrors.Contains(aws.ErrorCode)),
        RequestFailedException storage => storage.Status is 401 or 403 || (storage.ErrorCode is not null && AccessErrors.Contains(storage.ErrorCode)),
        DestinationAccessException => true,
        _ => false,
    };

    /// <summary>
    /// The exception that says what happened: Azure.Core's "Retry failed after n tries" aggregate (its last try),
    /// a storage call that got no response and an AWS client error are unwrapped to what they carry.
    /// </summary>
    public static Exception Cause(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } all => Cause(all.InnerExceptions[^1]),
        RequestFailedException { Status: 0, InnerException: { } inner } => Cause(inner),
        AmazonClientException { InnerException: { } inner } => Cause(inner),
        _ => e,
    };

    /// <summary>The service's own code and message; never a URI (a SAS signature would be in it).</summary>
    /// <param name="serviceText">False for a custom endpoint: its HTTP status and error code only (see the class).</param>
    public static string Describe(Exception e, bool serviceText = true) => Cause(e) switch
    {
        // Our own exceptions (access, unavailable, unreadable secret, an object that differs, signing keys not there) say it in full.
        var ours when ours.GetType().Namespace?.StartsWith(nameof(AuditExport) + ".", StringComparison.Ordinal) is true => ours.Message,
        AmazonServiceException aws when !ShowsServiceText(aws, serviceText) => $"the endpoint answered HTTP {(int)aws.StatusCode}{WellFormed(aws.ErrorCode)}",
        RequestFailedException storage when !serviceText => $"the endpoint answered HTTP {storage.Status}{WellFormed(storage.ErrorCode)}",
        AmazonServiceException aws when !string.IsNullOrEmpty(aws.ErrorCode) => $"{aws.ErrorCode}: {aws.Message}",
        AmazonServiceException aws => $"HTTP {(int)aws.StatusCode}: {aws.Message}",
        // The SDK's message goes on with headers and the response body; its first line is the service's own sentence.
        RequestFailedException storage => $"{storage.ErrorCode ?? "HTTP " + storage.Status}: {storage.Message.Split('\n', 2)[0].Trim()}",
        HttpRequestException { InnerException: System.Net.Sockets.SocketException socket } => $"cannot connect: {socket.SocketErrorCode}",
        HttpRequestException http => $"cannot connect: {http.HttpRequestError}",
        var cause => $"{cause.GetType().Name}: {cause.Message}",
    };

    /// <summary>
    /// Whether this service's own words may be repeated: yes unless they came from a configuration's custom endpoint. STS
    /// is the operator's endpoint (AWS_ENDPOINT_URL_STS), never a configuration's, so its words always are.
    /// </summary>
    public static bool ShowsServiceText(Exception cause, bool serviceText) => serviceText || cause is Amazon.SecurityToken.AmazonSecurityTokenServiceException;

    /// <summary>An error code as S3 and Azure Storage spell theirs (AccessDenied, NoSuchBucket), or nothing.</summary>
    private static string WellFormed(string? code) =>
        code is { Length: > 0 and <= 64 } && code.All(char.IsAsciiLetterOrDigit) ? $" ({code})" : "";
}

/// <summary>The destination refused access: retrying cannot help until someone fixes the permissions.</summary>
public sealed class DestinationAccessException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The destination kept failing transiently through every attempt.</summary>
public sealed class DestinationUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A stored secret cannot be decrypted (its key is no longer in the ring): no destination can be reached with it.</summary>
public sealed class UnreadableSecretException(string message, Exception inner) : Exception(message, inner);
