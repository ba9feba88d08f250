using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Destinations;

/// <summary>
/// How long a destination may take to answer one request (<c>DestinationRequestTimeoutSeconds</c>, default 10),
/// and so how long a whole connection test may take: network trouble is reported in seconds, not minutes.
/// </summary>
public sealed record DestinationTimeouts(TimeSpan Request)
{
    public const string SettingName = "DestinationRequestTimeoutSeconds";
    public const int Attempts = 2;

    /// <summary>A connection test: STS plus S3, each with its attempts, and a little slack.</summary>
    public TimeSpan Test => Request * (Attempts * 2) + TimeSpan.FromSeconds(2);

    public static DestinationTimeouts FromConfiguration(IConfiguration configuration)
    {
        var seconds = configuration.GetValue(DestinationTimeouts.SettingName, 10);
        if (seconds is < 1 or > 300)
        {
            throw new InvalidOperationException($"{SettingName} must be 1 to 300; it is {seconds}.");
        }
        return new DestinationTimeouts(TimeSpan.FromSeconds(seconds));
    }

    /// <summary>SDK options for a destination's Blob endpoint: the request limit, and few attempts (exports retry on their own).</summary>
    public BlobClientOptions BlobOptions()
    {
        var options = new BlobClientOptions { Transport = new Azure.Core.Pipeline.HttpClientTransport(GuardedConnections.Client()) };
        options.Retry.MaxRetries = Attempts - 1;
        options.Retry.NetworkTimeout = Request;
        return options;
    }
}
