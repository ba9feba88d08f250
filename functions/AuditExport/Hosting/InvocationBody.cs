using System.Text.Json;
using AuditExport.Ingest;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Hosting;

/// <summary>
/// The host's invocation body read once and parsed once. A batch of 500 events is about half a megabyte; model
/// binding parsed it twice from a segmented pipe and copied it, which cost more CPU than validating the events.
/// When <c>Data.{binding}</c> is one string (a batch of binary events), it is cut out before parsing: the document is
/// parsed from the rest of the body with an empty string in its place, and the string's raw token is
/// <see cref="EventsString"/> (see <see cref="BindingStringLocator"/>: a JSON reader checks a string with escapes byte
/// by byte, 0.44 ms of a 732 KB invocation where a vectorised scan takes 0.04). A body above the memory threshold is spooled to a temporary file
/// (<see cref="SpooledMemory"/>). Dispose frees the bytes, so nothing taken from <see cref="Data"/> or
/// <see cref="EventsString"/> may outlive it.
/// </summary>
public sealed class InvocationBody : IDisposable
{
    private readonly SpooledMemory _bytes;
    private readonly SpooledMemory? _rest;
    private readonly JsonDocument _document;

    private InvocationBody(SpooledMemory bytes, SpooledMemory? rest, JsonDocument document, ReadOnlyMemory<byte> eventsString)
    {
        (_bytes, _rest, _document, EventsString) = (bytes, rest, document, eventsString);
        Data = Property(document.RootElement, "Data");
        Metadata = Property(document.RootElement, "Metadata");
    }

    public JsonElement Data { get; }
    public JsonElement Metadata { get; }

    /// <summary>The raw token (quotes and escapes included) of the string cut out of <see cref="Data"/>, or empty.</summary>
    public ReadOnlyMemory<byte> EventsString { get; }

    public int Length => _bytes.Length;
    public bool IsSpooled => _bytes.IsSpooled;

    /// <exception cref="JsonException">The body is not JSON.</exception>
    /// <exception cref="InvalidDataException">The body is larger than <see cref="SpooledMemory.MaxBytes"/>.</exception>
    public static async Task<InvocationBody> ReadAsync(HttpRequest request, int memoryThreshold, string bindingName, CancellationToken cancellationToken)
    {
        var bytes = await SpooledMemory.ReadAsync(request.Body, request.ContentLength, memoryThreshold, cancellationToken);
        SpooledMemory? rest = null;
        try
        {
            if (!BindingStringLocator.TryLocate(bytes.Memory.Span, bindingName, out var open, out var close))
            {
                return new InvocationBody(bytes, null, JsonDocument.Parse(bytes.Memory, EventHubInvocationReader.AnyDepth), default);
            }
            rest = WithoutString(bytes.Memory, open, close, memoryThreshold);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(rest.Memory, EventHubInvocationReader.AnyDepth);
            }
            catch (JsonException)
            {
                // Invalid elsewhere: parsed whole, so the message names the position in the body the host sent.
                document = JsonDocument.Parse(bytes.Memory, EventHubInvocationReader.AnyDepth);
            }
            return new InvocationBody(bytes, rest, document, bytes.Memory[open..(close + 1)]);
        }
        catch
        {
            rest?.Dispose();
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>The body with the string between the two quotes emptied: everything but the string is copied.</summary>
    private static SpooledMemory WithoutString(ReadOnlyMemory<byte> body, int openingQuote, int closingQuote, int memoryThreshold)
    {
        var before = body.Span[..(openingQuote + 1)];
        var after = body.Span[closingQuote..];
        var rest = SpooledMemory.Allocate(before.Length + after.Length, memoryThreshold);
        before.CopyTo(rest.Memory.Span);
        after.CopyTo(rest.Memory.Span[before.Length..]);
        return rest;
    }

    public void Dispose()
    {
        _document.Dispose();
        _rest?.Dispose();
        _bytes.Dispose();
    }

    /// <summary>The host writes "Data" and "Metadata"; matched without regard to case, as model binding did.</summary>
    private static JsonElement Property(JsonElement root, string name)
    {
        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value;
                }
            }
        }
        return default;
    }
}
