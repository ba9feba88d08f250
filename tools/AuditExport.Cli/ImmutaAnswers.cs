using System.Text.Json.Nodes;

namespace AuditExport.Cli;

/// <summary>
/// What Immuta's CLI prints for its verbs: the GraphQL answer, <c>{"data":{"createS3AssumedRoleExportConfiguration":{...}}}</c>,
/// with the fields Immuta's examples show (seed 000, the S3 how-to; the ADLS example in Immuta's audit PDF). Scripts
/// written against it read the new id (the ExternalId to trust) at <c>.data.&lt;mutation&gt;.id</c>.
/// </summary>
internal static class ImmutaAnswers
{
    public static JsonObject Of(string mutation, JsonObject configuration) => new()
    {
        ["data"] = new JsonObject { [mutation] = Configuration(configuration) },
    };

    public static JsonObject IdOnly(string mutation, string id) => new()
    {
        ["data"] = new JsonObject { [mutation] = new JsonObject { ["id"] = id } },
    };

    private static JsonObject Configuration(JsonObject rest)
    {
        var endpoint = rest["endpointConfiguration"]!.AsObject();
        var type = endpoint["type"]?.GetValue<string>();
        var shown = new JsonObject { ["__typename"] = $"{type}EndpointConfiguration" };
        var fields = type == "AdlsSasToken" ? new[] { "storageAccount", "fileSystem", "path" } : ["bucket", "path", "region"];
        foreach (var field in fields)
        {
            shown[field] = endpoint[field]?.DeepClone();
        }
        return new JsonObject
        {
            ["id"] = rest["id"]?.DeepClone(),
            ["interval"] = rest["interval"]?.DeepClone(),
            ["enabled"] = rest["enabled"]?.DeepClone(),
            ["connectionStatus"] = rest["connectionStatus"]?.DeepClone(),
            ["endpointConfiguration"] = shown,
        };
    }
}
