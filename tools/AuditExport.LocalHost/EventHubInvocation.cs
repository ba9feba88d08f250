using System.Text.Json.Nodes;

namespace AuditExport.LocalHost;

/// <summary>
/// Builds the body the Functions host POSTs to a custom handler for an Event Hub trigger with
/// cardinality "many": Data.{binding} is the array of message bodies (strings holding JSON, as the host
/// passes string bodies), and Metadata carries the partition context and per-message arrays.
/// </summary>
public static class EventHubInvocation
{
    public static JsonObject Create(IReadOnlyList<string> bodies, string? partitionId, long? firstSequence,
        DateTimeOffset enqueuedAt, string bindingName = "events", bool bodiesAsObjects = false)
    {
        var events = new JsonArray();
        foreach (var body in bodies)
        {
            events.Add(bodiesAsObjects ? JsonNode.Parse(body) : JsonValue.Create(body));
        }
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
            metadata["SequenceNumberArray"] = new JsonArray(bodies.Select((_, i) => (JsonNode)JsonValue.Create(first + i)).ToArray());
            metadata["OffsetArray"] = new JsonArray(bodies.Select((_, i) => (JsonNode)JsonValue.Create(((first + i) * 1024).ToString())).ToArray());
            metadata["EnqueuedTimeUtcArray"] = new JsonArray(bodies.Select(_ => (JsonNode)JsonValue.Create(enqueuedAt.UtcDateTime.ToString("O"))).ToArray());
        }
        return new JsonObject
        {
            ["Data"] = new JsonObject { [bindingName] = events },
            ["Metadata"] = metadata,
        };
    }
}
