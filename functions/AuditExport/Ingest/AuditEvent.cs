namespace AuditExport.Ingest;

/// <summary>An event that passed validation: its original bytes and what was read from them.</summary>
public sealed record AuditEvent(ReadOnlyMemory<byte> Raw, string Id, DateTimeOffset Timestamp, int ElementIndex, int ItemIndex);

/// <summary>Input that cannot be stored as an event: kept with why and where it came from.</summary>
public sealed record RejectedInput(ReadOnlyMemory<byte> Raw, Rejection Why, int ElementIndex, int ItemIndex)
{
    public string Reason => Why.Text;

    /// <summary>The reason's kind, a metric dimension (<see cref="RejectionKind"/>).</summary>
    public string Kind => Why.Kind;

    /// <summary>How many rejected items this record keeps (a message of many bad items is one record).</summary>
    public int Items { get; init; } = 1;
}
