using System.Runtime.InteropServices;
using System.Text.Json;

namespace AuditExport.Ingest;

public static partial class EventHubInvocationReader
{
    /// <summary>
    /// The trigger's elements: the host's one-string batch of base64 bodies read where it stands (the fast path), or
    /// JSON elements: of the value itself, or of a string holding a JSON array, unescaped and parsed.
    /// </summary>
    private abstract class RawElements : IDisposable
    {
        public abstract int Count { get; }

        /// <summary>The element's size as the host encoded it (its JSON token).</summary>
        public abstract int Size(int index);

        public abstract DeliveredElement Read(int index);

        public virtual void Dispose()
        {
        }

        public static RawElements Of(JsonElement events, ReadOnlyMemory<byte> eventsString, EventBodyEncoding encoding, int memoryThreshold)
        {
            if (!eventsString.IsEmpty && encoding == EventBodyEncoding.Base64 && Base64BatchFastPath.TryRead(eventsString.Span, out var runs))
            {
                return new Base64Runs(eventsString, runs);
            }
            var nested = !eventsString.IsEmpty ? UnwrapEvents(eventsString.Span, memoryThreshold)
                : events.ValueKind == JsonValueKind.String ? UnwrapEvents(JsonMarshal.GetRawUtf8Value(events), memoryThreshold)
                : null;
            var value = nested?.Document.RootElement ?? (eventsString.IsEmpty ? events : Reparse(eventsString));
            return new Elements(value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray()]
                // cardinality "one", or a host that passed the batch as one string that is not a JSON array.
                : [value], encoding, nested);
        }

        /// <summary>A string cut out of the document that is not an array after all: the string as a JSON element.</summary>
        private static JsonElement Reparse(ReadOnlyMemory<byte> token)
        {
            using var document = JsonDocument.Parse(token, AnyDepth);
            return document.RootElement.Clone();
        }
    }

    private sealed class Elements(List<JsonElement> items, EventBodyEncoding encoding, IDisposable? owner) : RawElements
    {
        public override int Count => items.Count;

        public override int Size(int index) => JsonMarshal.GetRawUtf8Value(items[index]).Length;

        public override DeliveredElement Read(int index) => ReadElement(index, items[index], encoding);

        public override void Dispose() => owner?.Dispose();
    }

    /// <summary>Base64 runs in the one-string batch's raw token, which holds no escape inside a run.</summary>
    private sealed class Base64Runs(ReadOnlyMemory<byte> token, List<Range> runs) : RawElements
    {
        public override int Count => runs.Count;

        public override int Size(int index) => runs[index].GetOffsetAndLength(token.Length).Length + 2; // its quotes

        public override DeliveredElement Read(int index)
        {
            var run = token.Span[runs[index]];
            if (TryDecodeBase64Text(run, out var bytes))
            {
                return new DeliveredElement(index, bytes);
            }
            // As the general path keeps it: the element's token, quoted.
            var quoted = new byte[run.Length + 2];
            quoted[0] = quoted[^1] = (byte)'"';
            run.CopyTo(quoted.AsSpan(1));
            return new DeliveredElement(index, quoted, ReadError: NotBase64);
        }
    }
}
