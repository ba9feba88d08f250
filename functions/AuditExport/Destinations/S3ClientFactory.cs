using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AuditExport.Destinations;

/// <summary>
/// S3 clients for a configuration: with its access key, or with temporary credentials from
/// <c>sts:AssumeRole</c> (ExternalId = configuration id) obtained with the exporter's own AWS identity from
/// the default credential chain. The STS endpoint follows the standard <c>AWS_ENDPOINT_URL_STS</c> setting.
/// </summary>
public sealed class S3ClientFactory(string? stsEndpoint, TimeSpan requestTimeout)
{
    public const string StsEndpointSetting = "AWS_ENDPOINT_URL_STS";
    public const int AssumedRoleSessionSeconds = 3600;

    public static readonly TimeSpan RefreshBeforeExpiry = TimeSpan.FromMinutes(5);

    // Assumed-role credentials per configuration and role, reused until shortly before they expire.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid, string), (AWSCredentials Credentials, DateTime ExpiresUtc)> _sessions = new();

    public const string MissingOwnIdentityReason =
        "the exporter has no AWS identity of its own to call sts:AssumeRole with: set EXPORTER_AWS_ACCESS_KEY_ID and EXPORTER_AWS_SECRET_ACCESS_KEY " +
        "when deploying (app settings AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE for web identity federation";

    public static string SessionName(Guid configurationId) => $"audit-export-{configurationId}";

    public async Task<IAmazonS3> CreateAsync(Guid configurationId, DestinationSettings destination, string? secret, CancellationToken cancellationToken)
    {
        var credentials = destination.Type switch
        {
            DestinationType.S3AccessKey => new BasicAWSCredentials(destination.AccessKeyId, secret ?? throw new InvalidOperationException("The configuration has no secret access key.")),
            DestinationType.S3AssumedRole => await AssumeRoleAsync(configurationId, destination, cancellationToken),
            _ => throw new ArgumentException($"{destination.Type} is not an S3 destination."),
        };
        return new AmazonS3Client(credentials, S3Config(destination));
    }

    private async Task<AWSCredentials> AssumeRoleAsync(Guid configurationId, DestinationSettings destination, CancellationToken cancellationToken)
    {
        var key = (configurationId, destination.RoleArn!);
        if (_sessions.TryGetValue(key, out var cached) && cached.ExpiresUtc - RefreshBeforeExpiry > DateTime.UtcNow)
        {
            return cached.Credentials;
        }

        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(destination.Region),
            Timeout = requestTimeout,
            MaxErrorRetry = DestinationTimeouts.Attempts - 1,
            HttpClientFactory = GuardedAwsHttpClientFactory.Instance,
        };
        if (!string.IsNullOrWhiteSpace(stsEndpoint))
        {
            config.ServiceURL = stsEndpoint;
            config.AuthenticationRegion = destination.Region;
        }
        using var sts = new AmazonSecurityTokenServiceClient(await OwnIdentityAsync(config, cancellationToken), config);
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = destination.RoleArn,
            RoleSessionName = SessionName(configurationId),
            ExternalId = configurationId.ToString(),
            DurationSeconds = AssumedRoleSessionSeconds,
        }, cancellationToken);
        var c = response.Credentials;
        var credentials = new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        _sessions[key] = (credentials, c.Expiration?.ToUniversalTime() ?? DateTime.UtcNow.AddSeconds(AssumedRoleSessionSeconds));
        return credentials;
    }

    /// <summary>
    /// The exporter's own identity from the default credential chain, resolved here: left to the STS client, a
    /// chain that finds nothing ends in an unsigned request and an error about a missing SigV4a signer package.
    /// </summary>
    private static async Task<AWSCredentials> OwnIdentityAsync(AmazonSecurityTokenServiceConfig config, CancellationToken cancellationToken)
    {
        AWSCredentials? credentials;
        try
        {
            using var chain = new Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver();
            credentials = await chain.ResolveIdentityAsync(config, cancellationToken);
        }
        catch (AmazonClientException e) when (e.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
        {
            credentials = null;
        }
        return credentials is null or AnonymousAWSCredentials ? throw new DestinationAccessException(MissingOwnIdentityReason) : credentials;
    }

    private AmazonS3Config S3Config(DestinationSettings destination)
    {
        var config = new AmazonS3Config
        {
            Timeout = requestTimeout,
            MaxErrorRetry = DestinationTimeouts.Attempts - 1,
            HttpClientFactory = GuardedAwsHttpClientFactory.Instance,
        };
        if (destination.Endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(destination.Region);
        }
        else
        {
            // S3-compatible stores and emulators often reject aws-chunked bodies with checksum trailers.
            config.ServiceURL = destination.Endpoint.AbsoluteUri;
            config.AuthenticationRegion = destination.Region;
            config.ForcePathStyle = destination.ForcePathStyle;
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        return config;
    }
}
