using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Digests;

/// <summary>One object a job delivered: its name under the configuration's path, size, SHA-256 (hex) and record count.</summary>
public sealed record DigestedObject(string Name, long Bytes, string Sha256, long Records);

/// <summary>The digest before this one in the configuration's chain: its name and the SHA-256 (hex) of its bytes.</summary>
public sealed record PreviousDigest(string Name, string Sha256);

/// <summary>Where a digest stands in its configuration's chain.</summary>
public static class DigestChain
{
    /// <summary>The configuration's first export: nothing was delivered before this window.</summary>
    public const string First = "first";

    /// <summary>The first digest of a configuration that had exported before digests existed: earlier windows have none.</summary>
    public const string FirstAfterUndigestedExports = "first-after-undigested-exports";

    /// <summary>Follows <see cref="ExportDigest.Previous"/>.</summary>
    public const string Continues = "continues";
}

/// <summary>
/// What one export job delivered, written after its objects as <c>digests/yyyy/MM/dd/HH/digest_{windowEnd}_{configurationId}.json</c>
/// under the configuration's path, with an Ed25519 signature of its exact bytes beside it (<see cref="DigestSignature"/>).
/// Names are relative to the configuration's path, so a copy of that path verifies wherever it lies. Every field comes
/// from the job's window and content, so a redo of the job writes the same bytes.
/// </summary>
public sealed record ExportDigest(
    string Format,
    Guid ConfigurationId,
    string JobId,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    IReadOnlyList<DigestedObject> Objects,
    long Records,
    string Chain,
    PreviousDigest? Previous,
    string SigningKeyId,
    string Algorithm)
{
    public const string CurrentFormat = "audit-export-digest/1";
    public const string ContentType = "application/json";
    public const string Folder = "digests";
    public const string FileSuffix = ".json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The digest's name for a window end, relative to the configuration's path.</summary>
    public static string NameFor(Guid configurationId, DateTimeOffset windowEnd)
    {
        var end = windowEnd.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Folder}/{end:yyyy}/{end:MM}/{end:dd}/{end:HH}/digest_{end:yyyyMMdd'T'HHmmss'Z'}_{configurationId}.json");
    }

    public string Name => NameFor(ConfigurationId, WindowEnd);

    /// <summary>The bytes written and signed: indented JSON, fields in declaration order, times in UTC, one final newline.</summary>
    public byte[] ToBytes()
    {
        var utc = this with { WindowStart = WindowStart.ToUniversalTime(), WindowEnd = WindowEnd.ToUniversalTime() };
        return [.. JsonSerializer.SerializeToUtf8Bytes(utc, Json), (byte)'\n'];
    }

    /// <summary>The digest in <paramref name="bytes"/>, or null when they are not one (a reason in <paramref name="problem"/>).</summary>
    public static ExportDigest? Parse(ReadOnlySpan<byte> bytes, out string? problem)
    {
        try
        {
            var digest = JsonSerializer.Deserialize<ExportDigest>(bytes, Json);
            problem = digest is null || digest.Format != CurrentFormat || digest.Objects is null || digest.JobId is null || digest.Chain is null
                ? $"it is not an {CurrentFormat} document" : null;
            return problem is null ? digest : null;
        }
        catch (JsonException e)
        {
            problem = $"it is not valid JSON ({e.Message})";
            return null;
        }
    }
}
