using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Hosting;

public static class HandlerJson
{
    /// <summary>Invocation answers keep the host's PascalCase envelope; values inside are camelCase.</summary>
    public static readonly JsonSerializerOptions Options = ReadOnly(new(JsonSerializerDefaults.Web)
    {
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
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
