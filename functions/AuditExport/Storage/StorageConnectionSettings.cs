using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Storage;

/// <summary>
/// Reads the audit storage account from app settings the way the Functions host reads its own connections:
/// <c>AuditStorage</c> as a connection string, or identity-based with <c>AuditStorage__tableServiceUri</c> and
/// <c>AuditStorage__blobServiceUri</c> (or <c>AuditStorage__accountName</c> for the public cloud), plus
/// <c>AuditStorage__credential</c> (<c>managedidentity</c>) and <c>AuditStorage__clientId</c> for a user-assigned identity.
/// </summary>
public static class StorageConnectionSettings
{
    public const string Name = "AuditStorage";
    public const string LocalDefault = "UseDevelopmentStorage=true";

    public static StorageConnection Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageConnectionSettings.Name);
        var tableUri = section["tableServiceUri"];
        var blobUri = section["blobServiceUri"];
        var accountName = section["accountName"];
        if (!string.IsNullOrWhiteSpace(accountName) && string.IsNullOrWhiteSpace(tableUri) && string.IsNullOrWhiteSpace(blobUri))
        {
            tableUri = $"https://{accountName}.table.core.windows.net";
            blobUri = $"https://{accountName}.blob.core.windows.net";
        }
        if (!string.IsNullOrWhiteSpace(tableUri) || !string.IsNullOrWhiteSpace(blobUri))
        {
            if (string.IsNullOrWhiteSpace(tableUri) || string.IsNullOrWhiteSpace(blobUri))
            {
                throw new InvalidOperationException($"Set both {Name}__tableServiceUri and {Name}__blobServiceUri for an identity-based connection.");
            }
            return StorageConnection.FromServiceUris(new Uri(tableUri), new Uri(blobUri), Credential(section["credential"], section["clientId"]));
        }
        var connectionString = section.Value;
        return StorageConnection.FromConnectionString(string.IsNullOrWhiteSpace(connectionString) ? LocalDefault : connectionString);
    }

    /// <summary>As the host does: <c>managedidentity</c> means that identity only; otherwise the default chain, told the client id.</summary>
    public static TokenCredential Credential(string? credential, string? clientId)
    {
        var hasClientId = !string.IsNullOrWhiteSpace(clientId);
        if (string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return new ManagedIdentityCredential(hasClientId ? ManagedIdentityId.FromUserAssignedClientId(clientId!) : ManagedIdentityId.SystemAssigned);
        }
        if (!string.IsNullOrWhiteSpace(credential))
        {
            throw new InvalidOperationException($"{Name}__credential must be 'managedidentity' or unset; it is '{credential}'.");
        }
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = hasClientId ? clientId : null });
    }
}
