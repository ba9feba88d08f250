using Microsoft.Extensions.Configuration;

namespace AuditExport.Storage;

/// <summary>
/// Reads the audit storage account from app settings, the way Functions names connections:
/// <c>AuditStorage</c> as a connection string, or identity-based with <c>AuditStorage__tableServiceUri</c>,
/// <c>AuditStorage__blobServiceUri</c> and optionally <c>AuditStorage__clientId</c>.
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
        if (!string.IsNullOrWhiteSpace(tableUri) || !string.IsNullOrWhiteSpace(blobUri))
        {
            if (string.IsNullOrWhiteSpace(tableUri) || string.IsNullOrWhiteSpace(blobUri))
            {
                throw new InvalidOperationException($"Set both {Name}__tableServiceUri and {Name}__blobServiceUri for an identity-based connection.");
            }
            return StorageConnection.FromServiceUris(new Uri(tableUri), new Uri(blobUri), section["clientId"]);
        }
        var connectionString = section.Value;
        return StorageConnection.FromConnectionString(string.IsNullOrWhiteSpace(connectionString) ? LocalDefault : connectionString);
    }
}
