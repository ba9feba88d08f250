using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Storage;

/// <summary>
/// Where the audit storage account is and how to reach it: a connection string (account key, including
/// <c>UseDevelopmentStorage=true</c> and explicit Azurite endpoints), or service URIs with a Microsoft Entra
/// token credential (managed identity in Azure). Makes the official SDK clients for both services.
/// </summary>
public sealed class StorageConnection
{
    public const string DevelopmentAccountName = "devstoreaccount1";

    // The well-known Azurite account key, public by design; never a real secret.
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnection()
    {
    }

    public string? ConnectionString { get; private init; }
    public Uri? TableServiceUri { get; private init; }
    public Uri? BlobServiceUri { get; private init; }
    public TokenCredential? Credential { get; private init; }

    public bool UsesAccountKey => ConnectionString is not null;

    /// <summary>Checks the string up front so a bad setting fails at start-up with a reason, not at the first request.</summary>
    public static StorageConnection FromConnectionString(string connectionString)
    {
        var parts = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var development = parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase);
        if (!development && (!parts.ContainsKey("AccountName") || !parts.ContainsKey("AccountKey")))
        {
            throw new FormatException("A storage connection string needs AccountName and AccountKey (or UseDevelopmentStorage=true).");
        }
        return new StorageConnection { ConnectionString = connectionString };
    }

    /// <summary>Identity-based connection: service URIs plus a token credential.</summary>
    public static StorageConnection FromServiceUris(Uri tableServiceUri, Uri blobServiceUri, TokenCredential credential) =>
        new() { TableServiceUri = tableServiceUri, BlobServiceUri = blobServiceUri, Credential = credential };

    public TableServiceClient CreateTableServiceClient(StorageClientOptions options)
    {
        var clientOptions = options.Apply(new TableClientOptions());
        return ConnectionString is not null
            ? new TableServiceClient(ConnectionString, clientOptions)
            : new TableServiceClient(TableServiceUri!, Credential!, clientOptions);
    }

    public BlobServiceClient CreateBlobServiceClient(StorageClientOptions options)
    {
        var clientOptions = options.Apply(new BlobClientOptions());
        return ConnectionString is not null
            ? new BlobServiceClient(ConnectionString, clientOptions)
            : new BlobServiceClient(BlobServiceUri!, Credential!, clientOptions);
    }
}
