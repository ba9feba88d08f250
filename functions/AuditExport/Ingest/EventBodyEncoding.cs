namespace AuditExport.Ingest;

/// <summary>
/// How the host passes each Event Hubs message body in a string element, as the trigger's <c>dataType</c> in
/// function.json says.
/// </summary>
public enum EventBodyEncoding
{
    /// <summary><c>"string"</c>: the body decoded as UTF-8 by the host (bytes that are not UTF-8 are replaced before we see them).</summary>
    Text,

    /// <summary><c>"binary"</c>: the body's exact bytes, base64 (the host serializes the batch's byte arrays with Json.NET).</summary>
    Base64,
}
