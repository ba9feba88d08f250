using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace AuditExport.Ingest;

/// <summary>
/// Turns the Functions host's Event Hub trigger payload (<c>Data.events</c> plus <c>Metadata</c>) into an
/// <see cref="EventHubBatch"/>. Elements arrive as JSON objects or as strings holding JSON; metadata values
/// may arrive as JSON or as strings holding JSON. Metadata is used when present, never required; metadata that is
/// present but malformed (wrong type, wrong length, a negative or fractional sequence number) marks the elements
/// it concerns as unreadable, so they are quarantined with the reason instead of reaching the delivery ledger.
/// </summary>
public static partial class EventHubInvocationReader
{
    /// <summary>
    /// Invocations are parsed at any depth: an event nested deeper than the validator allows is that event's problem
    /// (it is quarantined), never the invocation's, which the host would retry forever.
    /// </summary>
    public static readonly JsonDocumentOptions AnyDepth = new() { MaxDepth = int.MaxValue };

    /// <summary>
    /// The invocation in parts of at most <paramref name="maxPartBytes"/> of encoded events each (always at least one
    /// part, and one event per part at least), so that a huge invocation is never copied out whole. Each part keeps
    /// the elements' positions in the whole invocation. <paramref name="eventsString"/> is the binding's raw string
    /// token when it was cut out of <paramref name="data"/> (<see cref="BindingStringLocator"/>); it stands for the value
    /// <paramref name="data"/> holds there.
    /// </summary>
    public static IEnumerable<EventHubBatch> ReadParts(JsonElement data, JsonElement metadata, string bindingName, List<string> warnings, int maxPartBytes, int memoryThreshold,
        EventBodyEncoding encoding = EventBodyEncoding.Text, ReadOnlyMemory<byte> eventsString = default)
    {
        if (data.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(data, bindingName, out var events))
        {
            warnings.Add($"The invocation carried no '{bindingName}' data.");
            yield return new EventHubBatch(null, []);
            yield break;
        }

        using var items = RawElements.Of(events, eventsString, encoding, memoryThreshold);
        var problems = new MetadataProblems(items.Count);
        var partitionId = ReadPartitionId(metadata, problems);
        var sequences = ReadArray(metadata, "SequenceNumberArray", items.Count, problems, ParseSequenceNumber);
        var offsets = ReadArray(metadata, "OffsetArray", items.Count, problems, ParseOffset);
        var enqueued = ReadArray(metadata, "EnqueuedTimeUtcArray", items.Count, problems, ParseTime);
        if (problems.Any)
        {
            warnings.Add($"Invalid Event Hubs metadata; the elements concerned are quarantined: {problems.Summary}");
        }

        var first = 0;
        do
        {
            var elements = new List<DeliveredElement>();
            long bytes = 0;
            for (var i = first; i < items.Count; i++)
            {
                var size = items.Size(i);
                if (elements.Count > 0 && bytes + size > maxPartBytes)
                {
                    break;
                }
                bytes += size;
                var element = items.Read(i);
                var problem = problems.For(i);
                elements.Add(problem is null
                    ? element with { SequenceNumber = sequences?[i], Offset = offsets?[i], EnqueuedTimeUtc = enqueued?[i] }
                    // Metadata that is present but wrong never reaches the ledger: the element is quarantined with the reason.
                    : element with { ReadError = element.ReadError ?? new(RejectionKind.InvalidMetadata, $"invalid Event Hubs metadata: {problem}") });
            }
            yield return new EventHubBatch(partitionId, elements, first);
            first += elements.Count;
        }
        while (first < items.Count);
    }

    private static readonly Rejection NotBase64 = new(RejectionKind.Encoding, "the host passed an event that is not base64 (function.json says dataType binary)");

    private static DeliveredElement ReadElement(int index, JsonElement element, EventBodyEncoding encoding)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (element.ValueKind != JsonValueKind.String)
        {
            return new DeliveredElement(index, raw.ToArray());
        }
        if (encoding == EventBodyEncoding.Base64)
        {
            return TryDecodeBase64(raw, out var bytes)
                ? new DeliveredElement(index, bytes)
                : new DeliveredElement(index, raw.ToArray(), ReadError: NotBase64);
        }
        return JsonStringUnescaper.TryUnescape(raw, out var body)
            ? new DeliveredElement(index, body)
            // A string with lone surrogate escapes: keep what the host sent, exactly.
            : new DeliveredElement(index, raw.ToArray(), ReadError: new(RejectionKind.Encoding, "the event text is not valid Unicode (lone surrogate)"));
    }

    /// <summary>The bytes a base64 string token stands for; a serializer may have escaped '+' or '/' (\u002B).</summary>
    private static bool TryDecodeBase64(ReadOnlySpan<byte> quoted, out byte[] bytes)
    {
        bytes = [];
        ReadOnlySpan<byte> text = quoted[1..^1];
        if (text.IndexOf((byte)'\\') >= 0)
        {
            if (!JsonStringUnescaper.TryUnescape(quoted, out var unescaped))
            {
                return false;
            }
            text = unescaped.Span;
        }
        return TryDecodeBase64Text(text, out bytes);
    }

    private static bool TryDecodeBase64Text(ReadOnlySpan<byte> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 != 0)
        {
            return false;
        }
        var padding = text.EndsWith("=="u8) ? 2 : text.EndsWith("="u8) ? 1 : 0;
        var decoded = GC.AllocateUninitializedArray<byte>(text.Length / 4 * 3 - padding); // exact: no second copy
        if (System.Buffers.Text.Base64.DecodeFromUtf8(text, decoded, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != text.Length || written != decoded.Length)
        {
            return false;
        }
        bytes = decoded;
        return true;
    }

    private static string? ReadPartitionId(JsonElement metadata, MetadataProblems problems)
    {
        if (metadata.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(metadata, "PartitionContext", out var context))
        {
            return null;
        }
        context = Unwrap(context);
        if (context.ValueKind != JsonValueKind.Object)
        {
            problems.All($"PartitionContext is a JSON {Kind(context)}, not an object");
            return null;
        }
        if (!TryGetIgnoreCase(context, "PartitionId", out var id))
        {
            return null;
        }
        var partitionId = Scalar(id);
        if (string.IsNullOrWhiteSpace(partitionId) || partitionId.Length > 64 || partitionId.Any(char.IsControl))
        {
            problems.All("PartitionContext.PartitionId is not a partition id (a string of 1 to 64 characters)");
            return null;
        }
        return partitionId;
    }

    private static T?[]? ReadArray<T>(JsonElement metadata, string name, int expected, MetadataProblems problems, Func<JsonElement, (T? Value, string? Problem)> parse)
    {
        if (metadata.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(metadata, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        value = Unwrap(value);
        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.All($"{name} is a JSON {Kind(value)}, not an array");
            return null;
        }
        if (value.GetArrayLength() != expected)
        {
            problems.All($"{name} has {value.GetArrayLength()} entries for {expected} events");
            return null;
        }
        var values = new T?[expected];
        var i = 0;
        foreach (var entry in value.EnumerateArray())
        {
            var (parsed, problem) = parse(entry);
            if (problem is null)
            {
                values[i] = parsed;
            }
            else
            {
                problems.One(i, $"{name}[{i}] {problem}");
            }
            i++;
        }
        return values;
    }

    /// <summary>Event Hubs sequence numbers are whole numbers from 0 up, within Int64.</summary>
    private static (long?, string?) ParseSequenceNumber(JsonElement e)
    {
        long n = -1;
        var ok = e.ValueKind == JsonValueKind.Number ? e.TryGetInt64(out n)
            : e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n);
        return ok && n >= 0 ? (n, null) : (null, $"is {Shown(e)}, not a sequence number (a whole number from 0 up)");
    }

    private static (string?, string?) ParseOffset(JsonElement e) =>
        Scalar(e) is { Length: > 0 and <= 64 } offset && !offset.Any(char.IsControl)
            ? (offset, null)
            : (null, $"is {Shown(e)}, not an offset");

    private static (DateTimeOffset?, string?) ParseTime(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            // The host writes ISO 8601 in UTC ("…Z"), which the JSON reader parses without a string; anything else
            // goes through the general parser, where a time without an offset means UTC.
            var raw = JsonMarshal.GetRawUtf8Value(e);
            if (raw.Length > 2 && raw[^2] == (byte)'Z' && e.TryGetDateTimeOffset(out var utc))
            {
                return (utc.ToUniversalTime(), null);
            }
            if (DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            {
                return (t, null);
            }
        }
        return (null, $"is {Shown(e)}, not a time");
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    private static string Shown(JsonElement e)
    {
        var text = e.ValueKind == JsonValueKind.String ? $"\"{e.GetString()}\"" : e.GetRawText();
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    private static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    /// <summary>
    /// The host passes a batch of strings as one string holding a JSON array. It is unescaped into spooled memory (it
    /// can be as large as the invocation) and parsed at any depth, so each event inside is judged on its own.
    /// </summary>
    private static NestedJson? UnwrapEvents(ReadOnlySpan<byte> raw, int memoryThreshold)
    {
        var memory = SpooledMemory.Allocate(raw.Length, memoryThreshold);
        try
        {
            if (JsonStringUnescaper.TryUnescape(raw, memory.Memory.Span, out var written))
            {
                var text = memory.Memory[..written];
                var start = text.Span.IndexOfAnyExcept(" \t\r\n"u8);
                if (start >= 0 && text.Span[start] is (byte)'[' or (byte)'{')
                {
                    return new NestedJson(memory, JsonDocument.Parse(text, AnyDepth));
                }
            }
        }
        catch (JsonException)
        {
        }
        memory.Dispose();
        return null;
    }

    private sealed record NestedJson(SpooledMemory Memory, JsonDocument Document) : IDisposable
    {
        public void Dispose()
        {
            Document.Dispose();
            Memory.Dispose();
        }
    }

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
                using var doc = JsonDocument.Parse(text, AnyDepth);
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

    /// <summary>What is wrong with the metadata, for all elements or per element.</summary>
    private sealed class MetadataProblems(int count)
    {
        private readonly string?[] _perElement = new string?[count];
        private string? _all;

        public bool Any => _all is not null || _perElement.Any(p => p is not null);

        public string Summary => _all ?? string.Join("; ", _perElement.Where(p => p is not null).Take(5));

        public void All(string problem) => _all ??= problem;

        public void One(int index, string problem) => _perElement[index] ??= problem;

        public string? For(int index) => _all ?? _perElement[index];
    }
}
