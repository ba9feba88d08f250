using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace AuditExport.Digests;

/// <summary>
/// The digest signing keys from the <c>DigestSigningKeys</c> setting, in the secret-protection ring's form:
/// "keyId:base64(32 random bytes)[;olderKeyId:…]". Each value is an Ed25519 private key (its seed); the first signs,
/// and every listed key's public half is published, so digests signed before a rotation still verify.
/// </summary>
public sealed class SigningKeyRing
{
    public const string SettingName = "DigestSigningKeys";

    private readonly List<(string Id, Ed25519PrivateKeyParameters Key)> _keys;

    private SigningKeyRing(List<(string Id, Ed25519PrivateKeyParameters Key)> keys) => _keys = keys;

    public string CurrentKeyId => _keys[0].Id;

    public IReadOnlyList<PublicSigningKey> PublicKeys => _keys
        .Select((k, i) => new PublicSigningKey(k.Id, PublicSigningKey.Ed25519, Convert.ToBase64String(k.Key.GeneratePublicKey().GetEncoded()), Current: i == 0))
        .ToList();

    /// <summary>The current key's signature of <paramref name="data"/>.</summary>
    public DigestSignature Sign(ReadOnlySpan<byte> data)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _keys[0].Key);
        signer.BlockUpdate(data);
        return new DigestSignature(CurrentKeyId, PublicSigningKey.Ed25519, Convert.ToBase64String(signer.GenerateSignature()));
    }

    /// <summary>The ring in <paramref name="value"/>; a malformed value throws with a sentence that names the setting and never a key.</summary>
    public static SigningKeyRing Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new FormatException($"{SettingName} is not set: export digests cannot be signed. Set it to 'keyId:base64-of-32-random-bytes' (openssl rand -base64 32).");
        }
        var keys = new List<(string, Ed25519PrivateKeyParameters)>();
        foreach (var entry in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon <= 0)
            {
                throw new FormatException($"{SettingName}: an entry is not 'keyId:base64Key'.");
            }
            var id = entry[..colon];
            if (id.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            {
                throw new FormatException($"{SettingName}: key id '{id}' may hold only letters, digits and '-'.");
            }
            if (keys.Any(k => k.Item1 == id))
            {
                throw new FormatException($"{SettingName}: key id '{id}' is listed twice.");
            }
            byte[] seed;
            try
            {
                seed = Convert.FromBase64String(entry[(colon + 1)..]);
            }
            catch (FormatException)
            {
                throw new FormatException($"{SettingName}: key '{id}' is not base64.");
            }
            if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
            {
                throw new FormatException($"{SettingName}: key '{id}' is {seed.Length} bytes; an Ed25519 key is 32.");
            }
            keys.Add((id, new Ed25519PrivateKeyParameters(seed)));
        }
        return keys.Count == 0 ? throw new FormatException($"{SettingName} lists no key.") : new SigningKeyRing(keys);
    }
}
