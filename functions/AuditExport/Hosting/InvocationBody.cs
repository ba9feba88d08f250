using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Hosting;

/// <summary>
/// The host's invocation body read into one pooled buffer and parsed once. A batch of 500 events is about half a
/// megabyte; model binding parses it twice from a segmented pipe and copies it, which cost more CPU than
/// validating the events. Dispose returns the buffer, so nothing taken from <see cref="Data"/> may outlive it.
/// </summary>
public sealed class InvocationBody : IDisposable
{
    private readonly byte[] _buffer;
    private readonly JsonDocument _document;

    private InvocationBody(byte[] buffer, JsonDocument document)
    {
        (_buffer, _document) = (buffer, document);
        Data = Property(document.RootElement, "Data");
        Metadata = Property(document.RootElement, "Metadata");
    }

    public JsonElement Data { get; }
    public JsonElement Metadata { get; }

    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static async Task<InvocationBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength.Value + 1 : 64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            return new InvocationBody(buffer, JsonDocument.Parse(buffer.AsMemory(0, length)));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        _document.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
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
