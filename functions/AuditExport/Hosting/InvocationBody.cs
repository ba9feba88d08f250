using System.Text.Json;
using AuditExport.Ingest;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Hosting;

/// <summary>
/// The host's invocation body read once and parsed once. A batch of 500 events is about half a megabyte; model
/// binding parsed it twice from a segmented pipe and copied it, which cost more CPU than validating the events.
/// A body above the memory threshold is spooled to a temporary file (<see cref="SpooledMemory"/>). Dispose frees
/// the bytes, so nothing taken from <see cref="Data"/> may outlive it.
/// </summary>
public sealed class InvocationBody : IDisposable
{
    private readonly SpooledMemory _bytes;
    private readonly JsonDocument _document;

    private InvocationBody(SpooledMemory bytes, JsonDocument document)
    {
        (_bytes, _document) = (bytes, document);
        Data = Property(document.RootElement, "Data");
        Metadata = Property(document.RootElement, "Metadata");
    }

    public JsonElement Data { get; }
    public JsonElement Metadata { get; }
    public int Length => _bytes.Length;
    public bool IsSpooled => _bytes.IsSpooled;

    /// <exception cref="JsonException">The body is not JSON.</exception>
    /// <exception cref="InvalidDataException">The body is larger than <see cref="SpooledMemory.MaxBytes"/>.</exception>
    public static async Task<InvocationBody> ReadAsync(HttpRequest request, int memoryThreshold, CancellationToken cancellationToken)
    {
        var bytes = await SpooledMemory.ReadAsync(request.Body, request.ContentLength, memoryThreshold, cancellationToken);
        try
        {
            return new InvocationBody(bytes, JsonDocument.Parse(bytes.Memory, EventHubInvocationReader.AnyDepth));
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>Parses JSON text held in a string value (the host's one-string batch) with the same unbounded depth.</summary>
    public static JsonDocument ParseNested(ReadOnlyMemory<byte> json) => JsonDocument.Parse(json, EventHubInvocationReader.AnyDepth);

    public void Dispose()
    {
        _document.Dispose();
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
