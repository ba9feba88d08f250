using System.Diagnostics;
using AuditExport.AuditStore;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AuditExport.Ingest;

/// <summary>
/// Stores one trigger invocation's events durably, exactly once per delivery:
/// <list type="bullet">
/// <item>With (partition, sequence number) from the host, a ledger row per source partition records the
/// sequence numbers stored; it is updated in the same entity-group transaction as the segments, so a
/// batch is either stored and recorded, or neither, even when a retry follows a partial write.</item>
/// <item>Without them, a marker row per event (its id and a hash of its bytes) plays that role, also inside the
/// segment's transaction: only a byte-identical redelivery is a duplicate.</item>
/// </list>
/// Bad input is quarantined before anything is recorded. Any storage failure throws: the host retries.
/// </summary>
public sealed class IngestService(
    AuditTable auditTable,
    QuarantineStore quarantine,
    IngestStorageInitializer initializer,
    IngestOptions options,
    TimeProvider clock,
    ILogger<IngestService> logger)
{
    public const int MaxConcurrencyAttempts = 5;

    /// <summary>See <see cref="IngestSteps.MaxWriteDelay"/>.</summary>
    public static readonly TimeSpan MaxWriteDelay = IngestSteps.MaxWriteDelay;
    public static readonly TimeSpan RedeliveryHorizon = TimeSpan.FromDays(1);

    public IngestOptions Options => options;

    private readonly IngestSteps _steps = new(quarantine, options, auditTable.ShardCount, clock);
    private readonly TableClient _events = auditTable.Client;
    private readonly LedgerCache _ledgers = new();

    public async Task<IngestSummary> IngestAsync(EventHubBatch batch, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await initializer.EnsureAsync(cancellationToken);
        var ingestedAt = clock.GetUtcNow();
        var tally = new IngestTally();

        if (batch.HasSequenceNumbers)
        {
            await new SequencedIngest(_events, _steps, _ledgers, logger).IngestAsync(batch, ingestedAt, tally, cancellationToken);
        }
        else
        {
            await new IdMarkedIngest(_events, _steps, logger).IngestAsync(batch, ingestedAt, tally, cancellationToken);
        }

        return new IngestSummary(batch.PartitionId, batch.Elements.Count, tally.Accepted, tally.Duplicates, tally.Quarantined,
            tally.Segments, tally.Transactions, tally.Partitions.Order(StringComparer.Ordinal).ToList(), stopwatch.ElapsedMilliseconds)
        {
            QuarantinedByReason = tally.ByReason,
        };
    }
}
