using AuditExport.Configurations;
using AuditExport.Export;
using GraphQL;
using GraphQL.Types;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// Jobs in Immuta's terms. Immuta runs an export job as tasks that page through events (<c>offset</c>, <c>limit</c>);
/// here a job is one bounded window of ingestion time, written in one go and redone whole, so each job is one task:
/// its window is <c>startTimestamp</c>/<c>endTimestamp</c>, <c>offset</c> 0 and <c>limit</c> its record count.
/// A job's GraphQL id is <c>{configuration id}:{job id}</c>, unique across configurations.
/// </summary>
public sealed class ExportJobTaskGraphType : ObjectGraphType<ExportJob>
{
    public ExportJobTaskGraphType()
    {
        Name = "ExportJobTask";
        Description = "One task of an export job. Here each job is one task: its whole window, written at once.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => ExportJobIds.Of(c.Source));
        Field<ImmutaDateTimeGraphType>("startTimestamp").Description("Start of the window of ingestion time (exclusive)").Resolve(c => c.Source.WindowStart);
        Field<ImmutaDateTimeGraphType>("endTimestamp").Description("End of the window (inclusive)").Resolve(c => c.Source.WindowEnd);
        Field<FloatGraphType>("attempts").Resolve(c => (double)c.Source.Attempts);
        Field<IntGraphType>("offset").Resolve(_ => 0);
        Field<IntGraphType>("limit").Description("Records the task covers (when it has succeeded; 0 before)").Resolve(c => (int)Math.Min(c.Source.Records, int.MaxValue));
        Field<StringGraphType>("status").Description("RUNNING, SUCCEEDED or FAILED").Resolve(c => ExportJobIds.Status(c.Source));
        Field<StringGraphType>("failureReason").Resolve(c => c.Source.FailureReason);
    }
}

/// <summary>A job, for finding the ids <c>getAllExportJobTasks</c> takes (Immuta's query that lists jobs is not documented; this one is ours).</summary>
public sealed class ExportJobGraphType : ObjectGraphType<ExportJob>
{
    public ExportJobGraphType()
    {
        Name = "ExportJob";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => ExportJobIds.Of(c.Source));
        Field<NonNullGraphType<IdGraphType>>("exportConfigurationId").Resolve(c => c.Source.ConfigurationId.ToString());
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(c => ExportJobIds.Status(c.Source));
        Field<NonNullGraphType<ImmutaDateTimeGraphType>>("startTimestamp").Resolve(c => c.Source.WindowStart);
        Field<NonNullGraphType<ImmutaDateTimeGraphType>>("endTimestamp").Resolve(c => c.Source.WindowEnd);
        Field<NonNullGraphType<IntGraphType>>("attempts").Resolve(c => c.Source.Attempts);
        Field<NonNullGraphType<FloatGraphType>>("records").Resolve(c => (double)c.Source.Records);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("objectNames").Resolve(c => c.Source.Objects);
        Field<StringGraphType>("failureReason").Resolve(c => c.Source.FailureReason);
        Field<NonNullGraphType<ImmutaDateTimeGraphType>>("startedAt").Resolve(c => c.Source.StartedAt);
        Field<ImmutaDateTimeGraphType>("finishedAt").Resolve(c => c.Source.FinishedAt);
        Field<StringGraphType>("digest").Description("The signed digest a succeeded job wrote, under the configuration's path").Resolve(c => c.Source.Digest);
        Field<StringGraphType>("digestSha256").Description("The digest's SHA-256 (hex)").Resolve(c => c.Source.DigestSha256);
    }
}

internal static class ExportJobIds
{
    public static string Of(ExportJob job) => $"{job.ConfigurationId}:{job.JobId}";

    public static string Status(ExportJob job) => job.Status.ToString().ToUpperInvariant();

    /// <summary>The job a GraphQL id names: <c>{configuration}:{job}</c>, or a bare job id when one configuration has it.</summary>
    public static async Task<ExportJob?> FindAsync(IResolveFieldContext context, string exportJobId)
    {
        var stores = context.Service<ExportStores>();
        var parts = exportJobId.Split(':');
        if (parts.Length == 2 && Guid.TryParseExact(parts[0], "D", out var configurationId))
        {
            return await stores.GetJobAsync(configurationId, parts[1], context.CancellationToken);
        }
        var found = new List<ExportJob>();
        foreach (var configuration in await context.Service<ExportConfigurationService>().ListAsync(context.CancellationToken))
        {
            if (await stores.GetJobAsync(configuration.Id, exportJobId, context.CancellationToken) is { } job)
            {
                found.Add(job);
            }
        }
        if (found.Count > 1)
        {
            context.Fail("BAD_USER_INPUT", $"Job {exportJobId} exists for {found.Count} configurations; pass it as {{configuration id}}:{exportJobId} (the id getAllExportJobs answers).", "exportJobId");
            return null;
        }
        return found.SingleOrDefault();
    }
}
