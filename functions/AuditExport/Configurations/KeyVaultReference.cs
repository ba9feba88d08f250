namespace AuditExport.Configurations;

/// <summary>
/// An App Service Key Vault reference, in either form App Service accepts:
/// <c>@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/name/[version])</c> or
/// <c>@Microsoft.KeyVault(VaultName=vault;SecretName=name[;SecretVersion=version])</c> (public cloud's vault suffix).
/// </summary>
public sealed record KeyVaultReference(Uri VaultUri, string SecretName, string? Version)
{
    public static KeyVaultReference? Parse(string setting)
    {
        var text = setting.Trim();
        const string Prefix = "@Microsoft.KeyVault(";
        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || !text.EndsWith(')'))
        {
            return null;
        }
        var fields = text[Prefix.Length..^1].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (fields.TryGetValue("SecretUri", out var secretUri))
        {
            if (!Uri.TryCreate(secretUri, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                return null;
            }
            var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            return segments.Length is 2 or 3 && segments[0].Equals("secrets", StringComparison.OrdinalIgnoreCase)
                ? new KeyVaultReference(new Uri(uri.GetLeftPart(UriPartial.Authority)), segments[1], segments.Length == 3 ? segments[2] : null)
                : null;
        }
        return fields.TryGetValue("VaultName", out var vault) && fields.TryGetValue("SecretName", out var name)
            && vault.Length > 0 && vault.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? new KeyVaultReference(new Uri($"https://{vault}.vault.azure.net"), name, fields.GetValueOrDefault("SecretVersion"))
            : null;
    }
}
