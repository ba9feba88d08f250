using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AuditExport.LocalHost;

/// <summary>
/// Builds the body the Functions host POSTs to a custom handler for an Event Hub trigger with cardinality "many", in
/// the form IngestAuditEvents' function.json asks for: with <c>dataType</c> "binary", Data.{binding} is one JSON string
/// holding a JSON array of base64 message bodies (the host serializes the batch's byte arrays with Json.NET); with
/// "string", an array of strings holding JSON. Metadata carries the partition context and per-message arrays.
/// </summary>
public static class EventHubInvocation
{
    private static readonly Lazy<string> IngestDataType = new(() =>
    {
        var path = Path.Combine(RepositoryLayout.Root, "functions", "IngestAuditEvents", "function.json");
        var binding = JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray().Single(b => (string?)b!["type"] == "eventHubTrigger")!;
        return (string?)binding["dataType"] ?? "string";
    });

    /// <summary>
    /// How the host writes an invocation body: with Json.NET (the custom handler's request is an ObjectContent with a
    /// JsonMediaTypeFormatter), which escapes quotes as <c>\"</c> and leaves '+' and '/' alone, where System.Text.Json's
    /// default encoder writes <c>\u0022</c> and <c>\u002B</c>. The handler reads either; its fast path is for the host's.
    /// </summary>
    public static readonly JsonSerializerOptions HostJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An invocation body as the host would send it.</summary>
    public static byte[] Serialize(JsonNode invocation) => JsonSerializer.SerializeToUtf8Bytes(invocation, HostJson);

    /// <summary>IngestAuditEvents' trigger dataType, as function.json declares it.</summary>
    public static string DataType => IngestDataType.Value;

    /// <param name="dataType">Overrides function.json's (benchmarks compare both forms).</param>
    public static JsonObject Create(IReadOnlyList<string> bodies, string? partitionId, long? firstSequence,
        DateTimeOffset enqueuedAt, string bindingName = "events", bool bodiesAsObjects = false, string? dataType = null)
    {
        if (bodiesAsObjects)
        {
            var objects = new JsonArray(bodies.Select(b => JsonNode.Parse(b)).ToArray());
            return Envelope(objects, bodies.Count, partitionId, firstSequence, enqueuedAt, bindingName);
        }
        return Create(bodies.Select(System.Text.Encoding.UTF8.GetBytes).ToList(), partitionId, firstSequence, enqueuedAt, bindingName, dataType);
    }

    /// <summary>Message bodies as bytes (any bytes: with dataType "binary" they reach the handler exactly).</summary>
    public static JsonObject Create(IReadOnlyList<byte[]> bodies, string? partitionId, long? firstSequence,
        DateTimeOffset enqueuedAt, string bindingName = "events", string? dataType = null)
    {
        JsonNode events = (dataType ?? DataType) == "binary"
            // Json.NET writes byte arrays as base64 without escaping '+' or '/'; the host then passes the array as one string.
            ? JsonValue.Create("[" + string.Join(",", bodies.Select(b => "\"" + Convert.ToBase64String(b) + "\"")) + "]")
            // As the host decodes string bodies: invalid UTF-8 becomes U+FFFD.
            : new JsonArray(bodies.Select(b => (JsonNode)JsonValue.Create(System.Text.Encoding.UTF8.GetString(b))).ToArray());
        return Envelope(events, bodies.Count, partitionId, firstSequence, enqueuedAt, bindingName);
    }

    private static JsonObject Envelope(JsonNode events, int count, string? partitionId, long? firstSequence, DateTimeOffset enqueuedAt, string bindingName)
    {
        var metadata = new JsonObject
        {
            ["sys"] = new JsonObject
            {
                ["MethodName"] = "IngestAuditEvents",
                ["UtcNow"] = DateTimeOffset.UtcNow.ToString("O"),
                ["RandomGuid"] = Guid.NewGuid().ToString(),
            },
        };
        if (partitionId is not null)
        {
            metadata["PartitionContext"] = new JsonObject
            {
                ["FullyQualifiedNamespace"] = "local.servicebus.windows.net",
                ["EventHubName"] = "audit-events",
                ["ConsumerGroup"] = "audit-export",
                ["PartitionId"] = partitionId,
            };
        }
        if (firstSequence is long first)
        {
            metadata["SequenceNumberArray"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)JsonValue.Create(first + i)).ToArray());
            metadata["OffsetArray"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)JsonValue.Create(((first + i) * 1024).ToString())).ToArray());
            metadata["EnqueuedTimeUtcArray"] = new JsonArray(Enumerable.Range(0, count).Select(_ => (JsonNode)JsonValue.Create(enqueuedAt.UtcDateTime.ToString("O"))).ToArray());
        }
        return new JsonObject
        {
            ["Data"] = new JsonObject { [bindingName] = events },
            ["Metadata"] = metadata,
        };
    }
}
