using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace AuditExport.Ingest;

/// <summary>
/// Turns the Functions host's Event Hub trigger payload (<c>Data.events</c> plus <c>Metadata</c>) into an
/// <see cref="EventHubBatch"/>. Elements arrive as JSON objects or as strings holding JSON; metadata values
/// may arrive as JSON or as strings holding JSON. Metadata is used when present, never required.
/// </summary>
public static class EventHubInvocationReader
{
    public static EventHubBatch Read(JsonElement data, JsonElement metadata, string bindingName, List<string> warnings)
    {
        var elements = new List<DeliveredElement>();
        if (data.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(data, bindingName, out var events))
        {
            warnings.Add($"The invocation carried no '{bindingName}' data.");
            return new EventHubBatch(null, elements);
        }

        events = Unwrap(events);
        if (events.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var element in events.EnumerateArray())
            {
                elements.Add(ReadElement(i++, element));
            }
        }
        else
        {
            // cardinality "one", or a host that passed the batch as one string that is not a JSON array.
            elements.Add(ReadElement(0, events));
        }

        var partitionId = ReadPartitionId(metadata);
        var sequences = ReadArray(metadata, "SequenceNumberArray", elements.Count, warnings, ParseInt64);
        var offsets = ReadArray(metadata, "OffsetArray", elements.Count, warnings, e => Scalar(e));
        var enqueued = ReadArray(metadata, "EnqueuedTimeUtcArray", elements.Count, warnings, ParseTime);

        for (var i = 0; i < elements.Count; i++)
        {
            elements[i] = elements[i] with
            {
                SequenceNumber = sequences?[i],
                Offset = offsets?[i],
                EnqueuedTimeUtc = enqueued?[i],
            };
        }
        return new EventHubBatch(partitionId, elements);
    }

    private static DeliveredElement ReadElement(int index, JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (element.ValueKind != JsonValueKind.String)
        {
            return new DeliveredElement(index, raw.ToArray());
        }
        return JsonStringUnescaper.TryUnescape(raw, out var body)
            ? new DeliveredElement(index, body)
            // A string with lone surrogate escapes: keep what the host sent, exactly.
            : new DeliveredElement(index, raw.ToArray(), ReadError: "the event text is not valid Unicode (lone surrogate)");
    }

    private static string? ReadPartitionId(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(metadata, "PartitionContext", out var context))
        {
            return null;
        }
        context = Unwrap(context);
        return context.ValueKind == JsonValueKind.Object && TryGetIgnoreCase(context, "PartitionId", out var id) ? Scalar(id) : null;
    }

    private static T?[]? ReadArray<T>(JsonElement metadata, string name, int expected, List<string> warnings, Func<JsonElement, T?> parse)
    {
        if (metadata.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(metadata, name, out var value))
        {
            return null;
        }
        value = Unwrap(value);
        if (value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        if (value.GetArrayLength() != expected)
        {
            warnings.Add($"Metadata {name} has {value.GetArrayLength()} entries for {expected} events; ignored.");
            return null;
        }
        return value.EnumerateArray().Select(parse).ToArray();
    }

    private static long? ParseInt64(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) ? n
        : e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s
        : null;

    private static DateTimeOffset? ParseTime(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        // The host writes ISO 8601 in UTC ("…Z"), which the JSON reader parses without a string; anything else
        // goes through the general parser, where a time without an offset means UTC.
        var raw = JsonMarshal.GetRawUtf8Value(e);
        if (raw.Length > 2 && raw[^2] == (byte)'Z' && e.TryGetDateTimeOffset(out var utc))
        {
            return utc.ToUniversalTime();
        }
        return DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : null;
    }

    private static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    /// <summary>A string that holds a JSON array or object is read as that JSON.</summary>
    private static JsonElement Unwrap(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }
        var text = value.GetString()!.TrimStart();
        if (text.StartsWith('[') || text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
            }
        }
        return value;
    }

    private static bool TryGetIgnoreCase(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }
}
