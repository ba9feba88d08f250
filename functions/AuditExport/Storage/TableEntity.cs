namespace AuditExport.Storage;

/// <summary>
/// One Table storage entity: keys, ETag and typed properties. Property values are
/// string, int, long, double, bool, DateTimeOffset, Guid or byte[] (Edm.Binary).
/// </summary>
public sealed class TableEntity(string partitionKey, string rowKey)
{
    public string PartitionKey { get; } = partitionKey;
    public string RowKey { get; } = rowKey;
    public string? ETag { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
    public Dictionary<string, object> Properties { get; } = new(StringComparer.Ordinal);

    public object this[string name]
    {
        set => Properties[name] = value;
    }

    public string? GetString(string name) => Properties.GetValueOrDefault(name) as string;

    public long? GetInt64(string name) => Properties.GetValueOrDefault(name) switch
    {
        long l => l,
        int i => i,
        _ => null,
    };

    public int? GetInt32(string name) => Properties.GetValueOrDefault(name) switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => null,
    };

    public DateTimeOffset? GetDateTime(string name) => Properties.GetValueOrDefault(name) as DateTimeOffset?;

    public byte[]? GetBinary(string name) => Properties.GetValueOrDefault(name) as byte[];
}
