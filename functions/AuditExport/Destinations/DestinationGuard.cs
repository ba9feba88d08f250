
namespace AuditExport.Destinations;

/// <summary>
/// Checks a stored destination at every use, not only when it was written: a custom endpoint must still be
/// allowed by the current <c>AllowCustomEndpoints</c> setting and must not resolve to a forbidden address now,
/// and an ADLS SAS token must not have expired. A refusal is an access error: nothing is sent.
/// </summary>
public sealed class DestinationGuard(EndpointPolicy endpoints, TimeProvider clock)
{
    /// <exception cref="DestinationAccessException">The destination may not be contacted.</exception>
    public async Task CheckAsync(DestinationSettings destination, string? secret, CancellationToken cancellationToken)
    {
        if (destination.Endpoint is { } endpoint && await endpoints.CheckAsync(endpoint.AbsoluteUri, cancellationToken) is { } refused)
        {
            throw new DestinationAccessException($"the configured endpoint {endpoint.GetLeftPart(UriPartial.Authority)} is refused: {refused}");
        }
        if (destination.Type == DestinationType.AdlsSasToken && secret is not null && DestinationRules.SasExpiry(secret) is { } expiry && expiry <= clock.GetUtcNow())
        {
            throw new DestinationAccessException($"the SAS token expired at {expiry:yyyy-MM-dd'T'HH:mm:ss'Z'}: create a new one and update the configuration with it");
        }
    }
}
