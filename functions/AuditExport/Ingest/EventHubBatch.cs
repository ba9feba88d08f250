namespace AuditExport.Ingest;

/// <summary>One trigger invocation's events, with the delivery position of each when the host gave it.</summary>
public sealed record EventHubBatch(string? PartitionId, IReadOnlyList<DeliveredElement> Elements, int FirstIndex = 0)
{
    /// <summary>The element at a position in the whole invocation (a part of a large one starts past 0).</summary>
    public DeliveredElement Element(int index) => Elements[index - FirstIndex];

    /// <summary>Redelivery is recognised by (partition, sequence number) only when every element has one.</summary>
    public bool HasSequenceNumbers => PartitionId is not null && Elements.All(e => e.SequenceNumber is not null);
}

/// <summary>
/// One element of the trigger's array: an Event Hubs message body. It normally holds one audit event,
/// but may hold a JSON array of events or JSON Lines.
/// </summary>
public sealed record DeliveredElement(
    int Index,
    ReadOnlyMemory<byte> Body,
    long? SequenceNumber = null,
    string? Offset = null,
    DateTimeOffset? EnqueuedTimeUtc = null,
    Rejection? ReadError = null);
