using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AuditExport.Storage;

namespace AuditExport.LocalHost;

/// <summary>Container SAS tokens for Azurite's well-known account, signed as the Blob service defines (version 2020-12-06 and later).</summary>
public static class AzuriteSas
{
    public static string ForContainer(string container, string permissions, DateTimeOffset expiry, string? signatureOverride = null)
    {
        const string version = "2021-12-02";
        var se = expiry.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var stringToSign = string.Join('\n',
            permissions, "", se, $"/blob/{StorageConnection.DevelopmentAccountName}/{container}", "", "", "http,https", version, "c", "", "", "", "", "", "", "");
        using var hmac = new HMACSHA256(Convert.FromBase64String(StorageConnection.DevelopmentAccountKey));
        var signature = signatureOverride ?? Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        return $"sv={version}&spr=http,https&se={Uri.EscapeDataString(se)}&sr=c&sp={permissions}&sig={Uri.EscapeDataString(signature)}";
    }
}
