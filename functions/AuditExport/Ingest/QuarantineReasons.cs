namespace AuditExport.Ingest;

/// <summary>
/// A quarantine reason's kind: the reason text names the event's own values, too many to be a metric
/// dimension; the kind is one of a few fixed names an alert or chart can group by.
/// </summary>
public static class QuarantineReasons
{
    public const string InvalidMetadata = "invalid_metadata";
    public const string TooLarge = "too_large";
    public const string Encoding = "encoding";
    public const string InvalidJson = "invalid_json";
    public const string InvalidId = "invalid_id";
    public const string InvalidTimestamp = "invalid_timestamp";
    public const string Other = "other";

    public static string Category(string reason) => reason switch
    {
        _ when reason.StartsWith("invalid Event Hubs metadata", StringComparison.Ordinal) => InvalidMetadata,
        _ when reason.Contains(" bytes; the limit", StringComparison.Ordinal) || reason.Contains("does not fit a storage segment", StringComparison.Ordinal) => TooLarge,
        _ when reason.Contains("UTF-8", StringComparison.Ordinal) || reason.Contains("UTF-16", StringComparison.Ordinal) || reason.Contains("cannot be decoded", StringComparison.Ordinal) => Encoding,
        _ when reason.StartsWith("'id'", StringComparison.Ordinal) || reason.Contains("'id' property", StringComparison.Ordinal) || reason == "event has no 'id'"
            || reason == "event has both 'id' and 'ID'" => InvalidId,
        _ when reason.Contains("timestamp", StringComparison.OrdinalIgnoreCase) || reason.Contains("'dateTime'", StringComparison.Ordinal)
            || reason.StartsWith("'month'", StringComparison.Ordinal) || reason.Contains("'month' property", StringComparison.Ordinal) => InvalidTimestamp,
        _ when reason.Contains("JSON", StringComparison.Ordinal) || reason == "event is empty" => InvalidJson,
        _ => Other,
    };
}
