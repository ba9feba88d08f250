using System.Net;
using System.Net.Sockets;

namespace AuditExport.Destinations;

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
        return await CheckHostAsync(uri.IdnHost, cancellationToken);
    }

    /// <summary>
    /// A host name or literal address: refused when it names a metadata service or any address it resolves to is
    /// forbidden, and when it cannot be resolved within 3 seconds (fail closed: an unknown answer is not a safe one).
    /// Connections are checked again at connect time (<see cref="Destinations.GuardedConnections"/>), against the
    /// address actually used, so a name that resolves differently later (DNS rebinding) gains nothing.
    /// </summary>
    public static async Task<string?> CheckHostAsync(string host, CancellationToken cancellationToken)
    {
        host = Normalized(host);
        if (MetadataHosts.Contains(host))
        {
            return "must not point at a cloud metadata service";
        }
        if (IPAddress.TryParse(host, out var literal))
        {
            return Forbidden(literal);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            foreach (var address in await AddressesAsync(host, timeout.Token))
            {
                if (Forbidden(address) is { } reason)
                {
                    return $"resolves to {address}: it {reason}";
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"could not be resolved ({(e is SocketException socket ? socket.SocketErrorCode.ToString() : "no answer within 3 seconds")}); only a name that resolves to allowed addresses is used";
        }
        return null;
    }

    /// <summary>A URI's or a connection's host as it is resolved: without IPv6 brackets or a trailing dot.</summary>
    public static string Normalized(string host) => host.Trim('[', ']').TrimEnd('.');

    /// <summary>The addresses a host stands for: itself when it is a literal address, else what DNS answers.</summary>
    public static async Task<IPAddress[]> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        host = Normalized(host);
        return IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
    }

    /// <summary>Why an address may not be connected to, or null. IPv4 carried inside IPv6 (mapped, compatible, NAT64, 6to4) is judged as IPv4.</summary>
    public static string? Forbidden(IPAddress address)
    {
        var v6 = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && v6.AsSpan(0, 6).SequenceEqual((byte[])[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01]))
        {
            return "must not be a local-use NAT64 address (64:ff9b:1::/48)";
        }
        address = EmbeddedIPv4(address) ?? address;
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

    /// <summary>The IPv4 address an IPv6 address stands for: ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64), 2002:aabb:ccdd:: (6to4).</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        var b = address.GetAddressBytes();
        var zeroPrefix = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        var nat64 = b.AsSpan(0, 4).SequenceEqual((byte[])[0x00, 0x64, 0xff, 0x9b]) && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0;
        if ((zeroPrefix && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)) || nat64)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b.AsSpan(2, 4));
        }
        return null;
    }
}
