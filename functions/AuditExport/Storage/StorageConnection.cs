using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace AuditExport.Storage;

/// <summary>
/// Where an Azure Storage account is and how to authenticate to it: either a connection string
/// (SharedKey, including <c>UseDevelopmentStorage=true</c> for Azurite) or service URIs with a
/// token credential (managed identity in Azure).
/// </summary>
public sealed class StorageConnection
{
    public const string DevelopmentAccountName = "devstoreaccount1";

    // The well-known Azurite account key, public by design; never a real secret.
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public required Uri TableEndpoint { get; init; }
    public required Uri BlobEndpoint { get; init; }
    public string? AccountName { get; init; }
    public byte[]? AccountKey { get; init; }
    public TokenCredential? Credential { get; init; }

    public bool UsesSharedKey => AccountName is not null && AccountKey is not null;

    public static StorageConnection FromConnectionString(string connectionString)
    {
        var parts = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageConnection
            {
                TableEndpoint = new Uri($"http://127.0.0.1:10002/{DevelopmentAccountName}"),
                BlobEndpoint = new Uri($"http://127.0.0.1:10000/{DevelopmentAccountName}"),
                AccountName = DevelopmentAccountName,
                AccountKey = Convert.FromBase64String(DevelopmentAccountKey),
            };
        }

        if (!parts.TryGetValue("AccountName", out var account) || !parts.TryGetValue("AccountKey", out var key))
        {
            throw new FormatException("A storage connection string needs AccountName and AccountKey (or UseDevelopmentStorage=true).");
        }

        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        return new StorageConnection
        {
            TableEndpoint = new Uri(parts.GetValueOrDefault("TableEndpoint") ?? $"{protocol}://{account}.table.{suffix}"),
            BlobEndpoint = new Uri(parts.GetValueOrDefault("BlobEndpoint") ?? $"{protocol}://{account}.blob.{suffix}"),
            AccountName = account,
            AccountKey = Convert.FromBase64String(key),
        };
    }

    /// <summary>Identity-based connection: service URIs plus managed identity / DefaultAzureCredential.</summary>
    public static StorageConnection FromServiceUris(Uri tableServiceUri, Uri blobServiceUri, string? managedIdentityClientId)
    {
        TokenCredential credential = string.IsNullOrWhiteSpace(managedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(managedIdentityClientId));
        return new StorageConnection { TableEndpoint = tableServiceUri, BlobEndpoint = blobServiceUri, Credential = credential };
    }

    internal HttpPipelinePolicy CreateAuthPolicy(StorageService service)
    {
        if (UsesSharedKey)
        {
            return new SharedKeyPolicy(AccountName!, AccountKey!, service);
        }
        if (Credential is not null)
        {
            return new BearerTokenAuthenticationPolicy(Credential, "https://storage.azure.com/.default");
        }
        throw new InvalidOperationException("The storage connection has neither a shared key nor a token credential.");
    }
}

public enum StorageService
{
    Table,
    Blob,
}
