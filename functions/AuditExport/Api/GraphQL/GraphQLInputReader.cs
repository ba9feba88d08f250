using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Configurations;
using GraphQL;
using AuditExport.Api.Contracts;
using AuditExport.Destinations;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// Turns a mutation's <c>data</c> (or <c>input</c>) into a <see cref="ConfigurationInput"/> through the REST API's reader, so both
/// APIs accept and refuse the same values with the same messages (one GraphQL error per field).
/// </summary>
internal static class GraphQLInputReader
{
    /// <param name="current">On update: the stored configuration, whose values stand for every field the input leaves out.</param>
    public static async Task<ConfigurationInput?> ReadAsync(IResolveFieldContext context, IReadOnlyDictionary<string, object?> given, DestinationType type, ExportConfiguration? current)
    {
        var fields = current is null ? new JsonObject() : Fields(current);
        foreach (var (name, value) in given)
        {
            fields[name] = Json(value);
        }
        var errors = new ValidationErrors();
        var input = await context.Service<ConfigurationRequestReader>().ReadAsync(JsonSerializer.SerializeToElement(fields), type, current, errors, context.CancellationToken);
        foreach (var (field, messages) in errors.ToDictionary())
        {
            foreach (var message in messages)
            {
                context.Fail("BAD_USER_INPUT", $"{field} {message}", field);
            }
        }
        return input;
    }

    /// <summary>
    /// The fields of a mutation: Immuta's documents pass them as <c>data</c>, this API's earlier documents as
    /// <c>input</c>; exactly one is expected. Null, with the error, when neither or both came.
    /// </summary>
    public static Dictionary<string, object?>? Given(IResolveFieldContext context)
    {
        var data = context.GetArgument<Dictionary<string, object?>?>("data");
        var input = context.GetArgument<Dictionary<string, object?>?>("input");
        if ((data is null) == (input is null))
        {
            context.Fail("BAD_USER_INPUT", "Pass the fields as data: { ... } (Immuta's form) or as input: { ... }, one of the two.", "data");
            return null;
        }
        return data ?? input;
    }

    /// <summary>A stored configuration's settings as a create body names them (no secret: the reader keeps the stored one).</summary>
    private static JsonObject Fields(ExportConfiguration current)
    {
        var fields = new JsonObject { ["interval"] = current.Interval.ToString(), ["enabled"] = current.Enabled };
        foreach (var (name, value) in ConfigurationResponse.From(current).EndpointConfiguration)
        {
            if (name is not ("type" or "externalId"))
            {
                fields[name] = Json(value);
            }
        }
        return fields;
    }

    private static JsonNode? Json(object? value) => value switch
    {
        null => null,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int or long or double or decimal => JsonValue.Create(Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture)),
        Enum named => JsonValue.Create(named.ToString()),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };
}
