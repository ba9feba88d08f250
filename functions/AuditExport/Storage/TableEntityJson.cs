using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace AuditExport.Storage;

/// <summary>OData JSON (minimal metadata) for entities: explicit Edm types where JSON alone is ambiguous.</summary>
internal static class TableEntityJson
{
    public const int MaxEntityBytes = 1024 * 1024;
    public const int MaxBinaryPropertyBytes = 64 * 1024;
    public const int MaxProperties = 252; // 255 minus PartitionKey, RowKey, Timestamp

    public static byte[] Serialize(TableEntity entity)
    {
        Validate(entity);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("PartitionKey", entity.PartitionKey);
            writer.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity.Properties)
            {
                WriteProperty(writer, name, value);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteProperty(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                writer.WriteString(name + "@odata.type", "Edm.Int64");
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteNumber(name, d);
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case DateTimeOffset t:
                writer.WriteString(name + "@odata.type", "Edm.DateTime");
                writer.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteString(name + "@odata.type", "Edm.Guid");
                writer.WriteString(name, g.ToString());
                break;
            case byte[] bytes:
                writer.WriteString(name + "@odata.type", "Edm.Binary");
                writer.WriteBase64String(name, bytes);
                break;
            default:
                throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}.");
        }
    }

    private static void Validate(TableEntity entity)
    {
        if (entity.Properties.Count > MaxProperties)
        {
            throw new ArgumentException($"Entity {entity.RowKey} has {entity.Properties.Count} properties; the Table service allows {MaxProperties}.");
        }
        long size = 4 + (entity.PartitionKey.Length + entity.RowKey.Length) * 2;
        foreach (var (name, value) in entity.Properties)
        {
            if (value is byte[] b && b.Length > MaxBinaryPropertyBytes)
            {
                throw new ArgumentException($"Binary property '{name}' is {b.Length} bytes; the limit is {MaxBinaryPropertyBytes}.");
            }
            size += 8 + name.Length * 2 + value switch
            {
                string s => 4 + s.Length * 2,
                byte[] bytes => 4 + bytes.Length,
                Guid => 16,
                _ => 8,
            };
        }
        if (size > MaxEntityBytes)
        {
            throw new ArgumentException($"Entity {entity.RowKey} is about {size} bytes; the Table service allows {MaxEntityBytes}.");
        }
    }

    public static TableEntity Parse(JsonElement json, string? etagFallback = null)
    {
        // A $select answer may leave the keys out.
        var entity = new TableEntity(
            json.TryGetProperty("PartitionKey", out var pk) ? pk.GetString() ?? "" : "",
            json.TryGetProperty("RowKey", out var rk) ? rk.GetString() ?? "" : "");
        foreach (var property in json.EnumerateObject())
        {
            var name = property.Name;
            if (name is "PartitionKey" or "RowKey" || name.Contains('@') || name.StartsWith("odata.", StringComparison.Ordinal))
            {
                if (name == "odata.etag")
                {
                    entity.ETag = property.Value.GetString();
                }
                continue;
            }
            // Timestamp is always Edm.DateTime; some servers omit its annotation.
            var type = json.TryGetProperty(name + "@odata.type", out var t) ? t.GetString() : name == "Timestamp" ? "Edm.DateTime" : null;
            var value = ReadValue(property.Value, type);
            if (name == "Timestamp" && value is DateTimeOffset ts)
            {
                entity.Timestamp = ts;
                continue;
            }
            if (value is not null)
            {
                entity.Properties[name] = value;
            }
        }
        entity.ETag ??= etagFallback;
        return entity;
    }

    private static object? ReadValue(JsonElement value, string? edmType) => edmType switch
    {
        "Edm.Int64" => long.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        "Edm.DateTime" => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        "Edm.Guid" => Guid.Parse(value.GetString()!),
        "Edm.Binary" => value.GetBytesFromBase64(),
        "Edm.Double" => value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDouble(),
        _ => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.TryGetInt32(out var i) => i,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        },
    };
}
