using System.Text.Json;
using AuditExport.Storage;
using Azure;
using Azure.Data.Tables;

namespace AuditExport.Export;

/// <summary>Export jobs (PartitionKey = configuration id, newest first) and export state (one row per configuration).</summary>
public sealed class ExportStores(TableServiceClient tables, ExportOptions options)
{
    public const string StateRowKey = "state";
    private readonly TableClient _jobs = tables.GetTableClient(options.ExportJobsTable);
    private readonly TableClient _state = tables.GetTableClient(options.ExportStateTable);
    private readonly InitializeOnce _tables = new(async ct =>
    {
        await tables.CreateTableIfNotExistsAsync(options.ExportJobsTable, ct);
        await tables.CreateTableIfNotExistsAsync(options.ExportStateTable, ct);
    });

    public sealed class ConflictException() : Exception("The export state was changed by another runner.");

    public Task EnsureTablesAsync(CancellationToken cancellationToken) => _tables.EnsureAsync(cancellationToken);

    public async Task<ExportState?> GetStateAsync(Guid configurationId, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken);
        var e = await _state.FindAsync(configurationId.ToString(), StateRowKey, cancellationToken: cancellationToken);
        if (e is null)
        {
            return null;
        }
        var lastStatus = e.GetString("LastStatus");
        var lastFinishedAt = e.GetDateTimeOffset("LastFinishedAt");
        return new ExportState(configurationId, e.GetDateTimeOffset("Watermark")!.Value, e.GetString("CurrentJobId"),
            e.GetString("LeaseOwner"), e.GetDateTimeOffset("LeaseUntil"), e.GetString("LastJobId"), lastStatus,
            lastFinishedAt, e.GetInt64("LastRecords"), e.GetString("LastFailureReason"), e.ETag.ToString())
        {
            LastSuccessAt = e.GetDateTimeOffset("LastSuccessAt") ?? (lastStatus == nameof(ExportJobStatus.Succeeded) ? lastFinishedAt : null),
            ConsecutiveFailures = e.GetInt32("ConsecutiveFailures") ?? (lastStatus == nameof(ExportJobStatus.Failed) ? 1 : 0),
            Backlog = e.GetBoolean("Backlog") ?? false,
            LastDigest = e.GetString("LastDigest"),
            LastDigestSha256 = e.GetString("LastDigestSha256"),
        };
    }

    /// <summary>Writes the state if nobody else did since it was read (insert when it has no ETag yet).</summary>
    public async Task<ExportState> SaveStateAsync(ExportState state, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(state.ConfigurationId.ToString(), StateRowKey) { ["Watermark"] = state.Watermark };
        void Optional(string name, object? value)
        {
            if (value is not null)
            {
                entity[name] = value;
            }
        }
        Optional("CurrentJobId", state.CurrentJobId);
        Optional("LeaseOwner", state.LeaseOwner);
        Optional("LeaseUntil", state.LeaseUntil);
        Optional("LastJobId", state.LastJobId);
        Optional("LastStatus", state.LastStatus);
        Optional("LastFinishedAt", state.LastFinishedAt);
        Optional("LastRecords", state.LastRecords);
        Optional("LastFailureReason", state.LastFailureReason);
        Optional("LastSuccessAt", state.LastSuccessAt);
        Optional("LastDigest", state.LastDigest);
        Optional("LastDigestSha256", state.LastDigestSha256);
        entity["ConsecutiveFailures"] = state.ConsecutiveFailures;
        entity["Backlog"] = state.Backlog;
        try
        {
            var response = state.ETag is null
                ? await _state.AddEntityAsync(entity, cancellationToken)
                : await _state.UpdateEntityAsync(entity, new ETag(state.ETag), TableUpdateMode.Replace, cancellationToken);
            return state with { ETag = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            throw new ConflictException();
        }
    }

    public async Task DeleteStateAsync(Guid configurationId, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken);
        await _state.DeleteEntityAsync(configurationId.ToString(), StateRowKey, ETag.All, cancellationToken);
    }

    public async Task<ExportJob?> GetJobAsync(Guid configurationId, string jobId, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken);
        if (ExportJob.RowKeyOf(configurationId, jobId) is not { } rowKey)
        {
            return null;
        }
        var e = await _jobs.FindAsync(configurationId.ToString(), rowKey, cancellationToken: cancellationToken);
        return e is null ? null : ToJob(e);
    }

    public async Task<List<ExportJob>> RecentJobsAsync(Guid configurationId, int count, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken);
        var partitionKey = configurationId.ToString();
        // Job ids sort newest first; Take stops paging once it has them.
        var rows = await _jobs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), count, cancellationToken: cancellationToken)
            .Take(count).ToListAsync(cancellationToken);
        return rows.Select(ToJob).ToList();
    }

    public async Task SaveJobAsync(ExportJob job, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(job.ConfigurationId.ToString(), ExportJob.RowKey(job.WindowEnd))
        {
            ["WindowStart"] = job.WindowStart,
            ["WindowEnd"] = job.WindowEnd,
            ["Status"] = job.Status.ToString(),
            ["Attempts"] = job.Attempts,
            ["Records"] = job.Records,
            ["ObjectCount"] = job.ObjectCount,
            ["Objects"] = JsonSerializer.Serialize(job.Objects.Take(200)), // the first 200 names; the count is exact
            ["Trigger"] = job.Trigger,
            ["StartedAt"] = job.StartedAt,
            ["EarlierAttempts"] = JsonSerializer.Serialize(job.EarlierAttempts, AttemptJson),
        };
        if (job.FailureReason is not null)
        {
            entity["FailureReason"] = job.FailureReason;
        }
        if (job.FinishedAt is DateTimeOffset finished)
        {
            entity["FinishedAt"] = finished;
        }
        if (job.Digest is not null)
        {
            entity["Digest"] = job.Digest;
            entity["DigestSha256"] = job.DigestSha256;
        }
        await _jobs.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    private static ExportJob ToJob(TableEntity e) => new(
        Guid.Parse(e.PartitionKey),
        ExportJob.NewJobId(Guid.Parse(e.PartitionKey), e.GetDateTimeOffset("WindowEnd")!.Value),
        e.GetDateTimeOffset("WindowStart")!.Value,
        e.GetDateTimeOffset("WindowEnd")!.Value,
        Enum.Parse<ExportJobStatus>(e.GetString("Status")!),
        e.GetInt32("Attempts") ?? 0,
        e.GetInt64("Records") ?? 0,
        e.GetInt32("ObjectCount") ?? 0,
        JsonSerializer.Deserialize<List<string>>(e.GetString("Objects") ?? "[]")!,
        e.GetString("FailureReason"),
        e.GetString("Trigger") ?? "",
        e.GetDateTimeOffset("StartedAt")!.Value,
        e.GetDateTimeOffset("FinishedAt"))
    {
        EarlierAttempts = JsonSerializer.Deserialize<List<ExportAttempt>>(e.GetString("EarlierAttempts") ?? "[]", AttemptJson)!,
        Digest = e.GetString("Digest"),
        DigestSha256 = e.GetString("DigestSha256"),
    };

    private static readonly JsonSerializerOptions AttemptJson = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
}
