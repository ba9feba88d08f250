using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Hosting;

public static class HandlerJson
{
    /// <summary>Invocation answers keep the host's PascalCase envelope; values inside are camelCase.</summary>
    public static readonly JsonSerializerOptions Options = Api.ApiJson.ReadOnly(new(JsonSerializerDefaults.Web)
    {
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    });

}
