using System.Net;
using System.Net.Sockets;

namespace AuditExport.Destinations;

/// <summary>
/// The one HTTP handler every destination client (S3, STS, ADLS) sends through. It resolves the host itself, checks
/// each address with <see cref="EndpointPolicy.Forbidden"/> and connects only to an address that passed, so the
/// address checked is the address connected to: a name that resolved to a public address when the configuration
/// was saved and to 169.254.169.254 now (DNS rebinding) reaches nothing.
/// </summary>
public static class GuardedConnections
{
    public static readonly SocketsHttpHandler Handler = new()
    {
        ConnectCallback = ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2), // names are resolved (and checked) again at least this often
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false, // a proxy would connect on our behalf to addresses this handler never sees
    };

    /// <summary>An HttpClient over the shared handler (disposing it leaves the handler's pool alone).</summary>
    public static HttpClient Client() => new(Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = EndpointPolicy.Normalized(context.DnsEndPoint.Host);
        var addresses = await EndpointPolicy.AddressesAsync(host, cancellationToken);
        var refused = new List<string>();
        foreach (var address in addresses)
        {
            if (EndpointPolicy.Forbidden(address) is { } reason)
            {
                refused.Add($"{address} ({reason})");
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (address != addresses[^1])
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException(HttpRequestError.ConnectionError,
            $"{host} is refused: it resolves only to addresses the exporter may not connect to: {string.Join(", ", refused)}");
    }
}

/// <summary>Hands the AWS SDK clients over the guarded handler.</summary>
public sealed class GuardedAwsHttpClientFactory : Amazon.Runtime.HttpClientFactory
{
    public static readonly GuardedAwsHttpClientFactory Instance = new();

    public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig)
    {
        var client = GuardedConnections.Client();
        client.Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100); // the SDK sets this only on clients it makes itself
        return client;
    }

    public override bool UseSDKHttpClientCaching(Amazon.Runtime.IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(Amazon.Runtime.IClientConfig clientConfig) => true;
}
