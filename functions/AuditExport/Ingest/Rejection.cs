namespace AuditExport.Ingest;

/// <summary>
/// Why input cannot be stored: a text naming the input's own values, for the operator, and a kind from a fixed set,
/// for metrics and alerts (the text has too many values to be a dimension). The kind is chosen where the input is
/// rejected, never read back from the text.
/// </summary>
public sealed record Rejection(string Kind, string Text);

/// <summary>The kinds of <see cref="Rejection"/>: the <c>reason</c> dimension of <c>auditexport.ingest.events</c>.</summary>
public static class RejectionKind
{
    public const string InvalidMetadata = "invalid_metadata";
    public const string TooLarge = "too_large";
    public const string Encoding = "encoding";
    public const string InvalidJson = "invalid_json";
    public const string InvalidId = "invalid_id";
    public const string InvalidTimestamp = "invalid_timestamp";

    public static readonly IReadOnlySet<string> All = new HashSet<string>([InvalidMetadata, TooLarge, Encoding, InvalidJson, InvalidId, InvalidTimestamp]);
}
