using System.Net;
using System.Net.Sockets;

namespace AuditExport.Configurations;

/// <summary>
/// Whether a configuration may name its own endpoint (S3-compatible stores, Azurite, sovereign clouds):
/// only when <c>AllowCustomEndpoints</c> is true, only http(s), and never a link-local, metadata or
/// unspecified address, whether written literally or reached through DNS.
/// </summary>
public sealed class EndpointPolicy(bool allowCustomEndpoints)
{
    public const string SettingName = "AllowCustomEndpoints";

    private static readonly HashSet<string> MetadataHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data", "instance-data.ec2.internal",
    };

    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), IPAddress.Parse("168.63.129.16"), IPAddress.Parse("100.100.100.200"),
        IPAddress.Parse("fd00:ec2::254"),
    ];

    public bool AllowCustomEndpoints => allowCustomEndpoints;

    public async Task<string?> CheckAsync(string text, CancellationToken cancellationToken)
    {
        if (!allowCustomEndpoints)
        {
            return $"custom endpoints are not allowed here (the {SettingName} setting is off)";
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "must be an absolute http or https URL";
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "must not carry credentials, a query or a fragment";
        }
        if (MetadataHosts.Contains(uri.IdnHost))
        {
            return "must not point at a cloud metadata service";
        }
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal))
        {
            return Forbidden(literal);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            foreach (var address in await Dns.GetHostAddressesAsync(uri.IdnHost, timeout.Token))
            {
                if (Forbidden(address) is { } reason)
                {
                    return $"resolves to {address}: it {reason}";
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Unresolvable now: the connection test will say so; nothing forbidden was found.
        }
        return null;
    }

    private static string? Forbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (MetadataAddresses.Any(a => a.Equals(address)))
        {
            return "must not point at a cloud metadata service";
        }
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "must not be an unspecified address";
        }
        var bytes = address.GetAddressBytes();
        var linkLocal = address.AddressFamily == AddressFamily.InterNetwork
            ? bytes[0] == 169 && bytes[1] == 254
            : address.IsIPv6LinkLocal;
        var multicast = address.AddressFamily == AddressFamily.InterNetwork ? bytes[0] >= 224 : address.IsIPv6Multicast;
        if (linkLocal)
        {
            return "must not be a link-local address";
        }
        return multicast ? "must not be a multicast or reserved address" : null;
    }
}
