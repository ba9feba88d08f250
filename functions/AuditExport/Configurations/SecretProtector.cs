using System.Security.Cryptography;
using System.Text;
using AuditExport.Destinations;

namespace AuditExport.Configurations;

/// <summary>
/// Encrypts secrets at rest with AES-256-GCM. Keys come from the <c>SecretProtectionKeys</c> setting as
/// "keyId:base64Key;olderKeyId:base64Key": the first key encrypts, every listed key decrypts, and each
/// ciphertext names its key id, so keys rotate by prepending a new one. The ciphertext is bound to its
/// configuration and field (associated data), so it cannot be moved to another configuration.
/// </summary>
public sealed class SecretProtector
{
    public const string SettingName = "SecretProtectionKeys";
    private const string Version = "v1";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private volatile List<(string Id, byte[] Key)> _keys;

    /// <summary>
    /// Why no secret can be encrypted or decrypted now, or null. Set when the key setting is still an unresolved Key Vault
    /// reference at start-up (the identity's role on the vault may not have propagated yet): the handler starts anyway,
    /// health answers 503 with this reason, and the API and invocations are refused with it (HandlerApp), so the host
    /// retries ingest and nothing leaves Event Hubs unstored.
    /// </summary>
    public string? UnavailableReason => _unavailableReason;
    private volatile string? _unavailableReason;

    /// <summary>The Key Vault reference the setting still held at start-up, or null (see <see cref="SecretKeysResolver"/>).</summary>
    public KeyVaultReference? PendingReference { get; }

    private SecretProtector(string unavailableReason, KeyVaultReference? reference) =>
        (_keys, _unavailableReason, PendingReference) = ([], unavailableReason, reference);

    public SecretProtector(IEnumerable<(string Id, byte[] Key)> keys)
    {
        _keys = Checked(keys.ToList());
    }

    /// <summary>The key ring read later (from Key Vault, as the unresolved reference names it): from now on secrets work.</summary>
    public void Resolve(string value)
    {
        var resolved = FromSetting(value);
        if (resolved.UnavailableReason is { } still)
        {
            throw new InvalidOperationException(still);
        }
        _keys = resolved._keys;
        _unavailableReason = null;
    }

    private static List<(string Id, byte[] Key)> Checked(List<(string Id, byte[] Key)> keys)
    {
        if (keys.Count == 0)
        {
            throw new InvalidOperationException($"{SettingName} lists no key.");
        }
        foreach (var (id, key) in keys)
        {
            if (key.Length != 32)
            {
                throw new InvalidOperationException($"{SettingName}: key '{id}' is {key.Length} bytes; AES-256 needs 32.");
            }
            if (id.Length == 0 || id.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            {
                throw new InvalidOperationException($"{SettingName}: key id '{id}' may hold only letters, digits and '-'.");
            }
        }
        return keys;
    }

    public string CurrentKeyId => UnavailableReason is null ? _keys[0].Id : throw new InvalidOperationException(UnavailableReason);

    public static SecretProtector FromSetting(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"{SettingName} is not set: secrets cannot be encrypted. Set it to 'keyId:base64-of-32-random-bytes'.");
        }
        if (value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return new SecretProtector($"{SettingName} is an unresolved Key Vault reference: the platform could not read the secret yet. " +
                "Check that the app's identity has the Key Vault Secrets User role and that the secret exists (the portal shows the reference's status under Environment variables); " +
                "the app reads the secret itself every 30 seconds and goes on once it can, or refresh the references (az rest --method post --uri <app id>/config/configreferences/appsettings/refresh?api-version=2023-12-01).",
                KeyVaultReference.Parse(value));
        }
        var keys = new List<(string, byte[])>();
        foreach (var entry in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', 2);
            if (parts.Length != 2)
            {
                throw new InvalidOperationException($"{SettingName}: each entry is 'keyId:base64Key'.");
            }
            try
            {
                keys.Add((parts[0], Convert.FromBase64String(parts[1])));
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{SettingName}: key '{parts[0]}' is not base64.");
            }
        }
        return new SecretProtector(keys);
    }

    public string Protect(string plaintext, string context)
    {
        EnsureAvailable();
        var (id, key) = _keys[0];
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var cipher = new byte[clear.Length];
        var tag = new byte[TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Encrypt(nonce, clear, cipher, tag, Encoding.UTF8.GetBytes(context));
        }
        return $"{Version}.{id}.{Convert.ToBase64String([.. nonce, .. tag, .. cipher])}";
    }

    private void EnsureAvailable()
    {
        if (UnavailableReason is not null)
        {
            throw new CryptographicException(UnavailableReason);
        }
    }

    public string Unprotect(string protectedValue, string context)
    {
        EnsureAvailable();
        var parts = protectedValue.Split('.', 3);
        if (parts.Length != 3 || parts[0] != Version)
        {
            throw new CryptographicException("The stored secret is not in a known format.");
        }
        var key = _keys.FirstOrDefault(k => k.Id == parts[1]).Key
            ?? throw new CryptographicException($"The stored secret was encrypted with key '{parts[1]}', which {SettingName} no longer lists.");
        var blob = Convert.FromBase64String(parts[2]);
        var clear = new byte[blob.Length - NonceBytes - TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Decrypt(blob.AsSpan(0, NonceBytes), blob.AsSpan(NonceBytes + TagBytes), blob.AsSpan(NonceBytes, TagBytes), clear, Encoding.UTF8.GetBytes(context));
        }
        return Encoding.UTF8.GetString(clear);
    }

    /// <summary>The configuration's decrypted secret, or null when its type has none.</summary>
    /// <exception cref="UnreadableSecretException">It cannot be decrypted (its key is no longer listed, or it was tampered with).</exception>
    public string? SecretOf(ExportConfiguration configuration)
    {
        var field = configuration.Destination.SecretField;
        if (configuration.ProtectedSecret is null || field is null)
        {
            return null;
        }
        try
        {
            return Unprotect(configuration.ProtectedSecret, Context(configuration.Id, field));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new UnreadableSecretException($"the stored {field} cannot be decrypted ({e.Message.TrimEnd('.')}): send the {field} again with PUT, or add its key back to {SettingName}", e);
        }
    }

    /// <summary>The id of the key a stored secret was encrypted with.</summary>
    public static string? KeyIdOf(string protectedValue) => protectedValue.Split('.', 3) is [Version, var id, _] ? id : null;

    /// <summary>Associated data binding a ciphertext to its configuration and field.</summary>
    public static string Context(Guid configurationId, string field) => $"export-configuration:{configurationId}:{field}";
}

/// <summary>A stored secret that cannot be decrypted; the message says what to do and never carries the secret.</summary>
