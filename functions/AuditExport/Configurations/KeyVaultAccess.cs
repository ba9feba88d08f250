using Azure.Core;
using Azure.Security.KeyVault.Secrets;

namespace AuditExport.Configurations;

/// <summary>How the handler reaches Key Vault: the app's identity (the one App Service resolves references with) and client options.</summary>
public sealed record KeyVaultAccess(TokenCredential Credential, SecretClientOptions Options)
{
    /// <summary>How often an unresolved key ring is read again (at most once per this, on demand).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take: a request or health probe waits for it, so it stays well under the probe's 5 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
