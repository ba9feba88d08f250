using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Api;

/// <summary>JSON of the HTTP API: camelCase, enums as names, nulls left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = ReadOnly(new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        Encoder = ApiJsonEncoder.Instance,
    });

    /// <summary>
    /// Read-only from the start: Results.Json sets a resolver on options that are not read-only yet, and two first
    /// answers at once then race (seen: "This JsonSerializerOptions instance is read-only" failing an ingest batch).
    /// </summary>
    internal static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.TypeInfoResolver ??= new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
