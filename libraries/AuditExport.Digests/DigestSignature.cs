using System.Text.Json;

namespace AuditExport.Digests;

/// <summary>
/// The signature object beside a digest (<c>….json.sig</c>): the key id, the algorithm, and the base64 Ed25519
/// signature of the digest's exact bytes. Ed25519 is deterministic, so a redo writes the same signature too.
/// </summary>
public sealed record DigestSignature(string KeyId, string Algorithm, string Signature)
{
    public const string Suffix = ".sig";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string NameFor(string digestName) => digestName + Suffix;

    public byte[] ToBytes() => [.. JsonSerializer.SerializeToUtf8Bytes(this, Json), (byte)'\n'];

    public static DigestSignature? Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var signature = JsonSerializer.Deserialize<DigestSignature>(bytes, Json);
            return signature is { KeyId: not null, Algorithm: not null, Signature: not null } ? signature : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
