using System.Collections.Concurrent;
using Azure;

namespace AuditExport.Ingest;

/// <summary>
/// The last delivery ledger this process committed, per (table partition, Event Hub partition), with its ETag, so that
/// the next batch of a partition does not read the ledger again (one point query per invocation: 0.75 ms of the
/// handler's 11 ms of CPU per 500 events in <c>scripts/benchmark.sh --breakdown</c>, and a round trip). A copy is no
/// risk to exactly-once: every transaction updates the ledger under that ETag, so if another instance wrote it since,
/// the transaction fails whole with 412, the entry is forgotten and the batch is redone from a fresh read.
/// </summary>
public sealed class LedgerCache
{
    private const int MaxEntries = 4096; // partitions × months; cleared whole past this (a read each brings them back)
    private readonly ConcurrentDictionary<(string PartitionKey, string PartitionId), (string Ranges, ETag ETag)> _entries = new();

    /// <summary>A fresh ledger from the cached copy (its ranges are the batch's to change), or null.</summary>
    public DeliveryLedger? Get(string partitionKey, string partitionId) =>
        _entries.TryGetValue((partitionKey, partitionId), out var entry) ? new DeliveryLedger(partitionId, SequenceRanges.Parse(entry.Ranges), entry.ETag) : null;

    public void Committed(string partitionKey, DeliveryLedger ledger, string partitionId)
    {
        if (ledger.ETag is not ETag etag)
        {
            return;
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[(partitionKey, partitionId)] = (ledger.Ranges.ToString(), etag);
    }

    public void Forget(string partitionKey, string partitionId) => _entries.TryRemove((partitionKey, partitionId), out _);
}
