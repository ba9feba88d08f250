using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace AuditExport.Digests;

/// <summary>A key digests can be verified with, as <c>GET /api/signing-keys</c> publishes it: the raw 32-byte Ed25519 public key in base64.</summary>
public sealed record PublicSigningKey(string KeyId, string Algorithm, string PublicKey, bool Current)
{
    public const string Ed25519 = "Ed25519";

    /// <summary>Whether <paramref name="signature"/> (base64) is this key's Ed25519 signature of <paramref name="data"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> data, string signature)
    {
        if (Algorithm != Ed25519)
        {
            return false;
        }
        byte[] key, signed;
        try
        {
            key = Convert.FromBase64String(PublicKey);
            signed = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        if (key.Length != Ed25519PublicKeyParameters.KeySize || signed.Length != Ed25519PrivateKeyParameters.SignatureSize)
        {
            return false;
        }
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(key));
        verifier.BlockUpdate(data);
        return verifier.VerifySignature(signed);
    }
}
