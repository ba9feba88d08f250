using AuditExport.Configurations;
using AuditExport.AuditStore;
using AuditExport.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

public sealed record RetentionSummary(IReadOnlyList<string> PurgedMonths, IReadOnlyList<string> KeptMonths, long DeletedRows);

/// <summary>
/// Deletes a month of stored events once it is past retention and every enabled configuration has exported
/// it (watermark at or after the month's end). Past twice the retention it is deleted anyway, logged as an error.
/// </summary>
public sealed class RetentionService(
    AuditTable auditTable,
    ExportConfigurationService configurations,
    ExportStores stores,
    ExportOptions options,
    TimeProvider clock,
    ILogger<RetentionService> logger)
{
    /// <summary>How far back months are looked for: stored data older than this would already be gone.</summary>
    public const int MonthsToScan = 36;
    private static readonly string[] KeysOnly = ["PartitionKey", "RowKey"];

    private readonly TableClient _events = auditTable.Client;

    public async Task<RetentionSummary> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var purged = new List<string>();
        var kept = new List<string>();
        long deleted = 0;
        var enabled = (await configurations.ListAsync(cancellationToken)).Where(c => c.Enabled).ToList();
        var watermarks = new Dictionary<Guid, DateTimeOffset?>();
        foreach (var configuration in enabled)
        {
            watermarks[configuration.Id] = (await stores.GetStateAsync(configuration.Id, cancellationToken))?.Watermark;
        }

        var thisMonth = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        for (var month = thisMonth.AddMonths(-MonthsToScan); month < thisMonth; month = month.AddMonths(1))
        {
            var monthEnd = month.AddMonths(1);
            if (monthEnd > now - options.Retention)
            {
                break; // this month and later are within retention
            }
            var label = AuditEventKeys.Month(month);
            var notExported = enabled.Where(c => !(watermarks[c.Id] >= monthEnd)).Select(c => c.Id).ToList();
            var forced = monthEnd <= now - options.Retention * 2;
            if (notExported.Count > 0 && !forced)
            {
                if (await HasRowsAsync(month, cancellationToken))
                {
                    logger.LogWarning("Month {Month} is past retention but kept: not yet exported by {Configurations}", label, string.Join(", ", notExported));
                    kept.Add(label);
                }
                continue;
            }
            var rows = await DeleteMonthAsync(month, cancellationToken);
            if (rows == 0)
            {
                continue;
            }
            deleted += rows;
            purged.Add(label);
            if (notExported.Count > 0)
            {
                logger.LogError("Month {Month} deleted at twice the retention although {Configurations} had not exported it ({Rows} rows)", label, string.Join(", ", notExported), rows);
            }
            else
            {
                logger.LogInformation("Month {Month} purged: {Rows} rows past retention, exported by every enabled configuration", label, rows);
            }
        }
        return new RetentionSummary(purged, kept, deleted);
    }

    private async Task<bool> HasRowsAsync(DateTimeOffset month, CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < auditTable.ShardCount; shard++)
        {
            if ((await FirstRowsAsync(AuditEventKeys.PartitionKey(month, shard), 1, cancellationToken)).Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<long> DeleteMonthAsync(DateTimeOffset month, CancellationToken cancellationToken)
    {
        long rows = 0;
        for (var shard = 0; shard < auditTable.ShardCount; shard++)
        {
            var partitionKey = AuditEventKeys.PartitionKey(month, shard);
            while (true)
            {
                // Keys only; each round deletes what one page returned, then asks again.
                var page = await FirstRowsAsync(partitionKey, TableLimits.MaxTransactionOperations, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }
                await _events.SubmitTransactionAsync(
                    page.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, e.RowKey), ETag.All)), cancellationToken);
                rows += page.Count;
            }
        }
        return rows;
    }

    /// <summary>Keys of up to <paramref name="count"/> rows; paging on past empty pages, which the service may answer.</summary>
    private async Task<List<TableEntity>> FirstRowsAsync(string partitionKey, int count, CancellationToken cancellationToken) =>
        await _events.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), count, KeysOnly, cancellationToken)
            .Take(count).ToListAsync(cancellationToken);
}
