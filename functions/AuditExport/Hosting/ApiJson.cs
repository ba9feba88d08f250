using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Hosting;

/// <summary>JSON of the HTTP API: camelCase, enums as names, nulls left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = HandlerJson.ReadOnly(new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    });
}
