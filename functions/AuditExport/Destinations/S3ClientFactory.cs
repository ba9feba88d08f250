using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AuditExport.Configurations;

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
        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(destination.Region),
            Timeout = requestTimeout,
            MaxErrorRetry = DestinationTimeouts.Attempts - 1,
        };
        if (!string.IsNullOrWhiteSpace(stsEndpoint))
        {
            config.ServiceURL = stsEndpoint;
            config.AuthenticationRegion = destination.Region;
        }
        using var sts = new AmazonSecurityTokenServiceClient(config); // the exporter's own identity: default credential chain
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = destination.RoleArn,
            RoleSessionName = SessionName(configurationId),
            ExternalId = configurationId.ToString(),
            DurationSeconds = AssumedRoleSessionSeconds,
        }, cancellationToken);
        var c = response.Credentials;
        return new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
    }

    private AmazonS3Config S3Config(DestinationSettings destination)
    {
        var config = new AmazonS3Config
        {
            Timeout = requestTimeout,
            MaxErrorRetry = DestinationTimeouts.Attempts - 1,
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
