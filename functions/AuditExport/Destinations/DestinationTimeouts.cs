using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Destinations;

/// <summary>
/// How long a destination may take to answer one request (<c>DestinationRequestTimeoutSeconds</c>, default 10),
/// and so how long a whole connection test may take: network trouble is reported in seconds, not minutes.
/// </summary>
public sealed class DestinationTimeouts
{
    public TimeSpan Request { get; set; } = TimeSpan.FromSeconds(10);

    public const string SettingName = "DestinationRequestTimeoutSeconds";
    public const int Attempts = 2;

    /// <summary>A connection test: STS plus S3, each with its attempts, and a little slack.</summary>
    public TimeSpan Test => Request * (Attempts * 2) + TimeSpan.FromSeconds(2);

    public static void Read(IConfiguration configuration, DestinationTimeouts options) =>
        options.Request = TimeSpan.FromSeconds(configuration.GetValue(DestinationTimeouts.SettingName, (int)options.Request.TotalSeconds));

    public static IEnumerable<string> Problems(DestinationTimeouts options)
    {
        if (options.Request < TimeSpan.FromSeconds(1) || options.Request > TimeSpan.FromSeconds(300))
        {
            yield return $"{SettingName} must be 1 to 300; it is {options.Request.TotalSeconds:0}.";
        }
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
