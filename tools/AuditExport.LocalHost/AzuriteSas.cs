using System.Text.RegularExpressions;
using AuditExport.Storage;
using Azure.Storage;
using Azure.Storage.Sas;

namespace AuditExport.LocalHost;

/// <summary>Container SAS tokens for Azurite's well-known account, made by the Blob SDK's own SAS builder.</summary>
public static partial class AzuriteSas
{
    /// <param name="permissions">Blob SAS permission letters, e.g. "cw" (create, write).</param>
    /// <param name="signatureOverride">A wrong signature on purpose, to test how refusals are reported.</param>
    public static string ForContainer(string container, string permissions, DateTimeOffset expiry, string? signatureOverride = null)
    {
        var builder = new BlobSasBuilder { BlobContainerName = container, Resource = "c", ExpiresOn = expiry, Protocol = SasProtocol.HttpsAndHttp };
        builder.SetPermissions(permissions);
        var sas = builder.ToSasQueryParameters(new StorageSharedKeyCredential(StorageConnection.DevelopmentAccountName, StorageConnection.DevelopmentAccountKey)).ToString();
        return signatureOverride is null ? sas : Signature().Replace(sas, "sig=" + Uri.EscapeDataString(signatureOverride));
    }

    [GeneratedRegex("sig=[^&]*")]
    private static partial Regex Signature();
}
