using AuditExport.Configurations;
using GraphQL;
using GraphQL.Types;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// Immuta's <c>getAllExportConfigurations</c> and <c>getAllExportJobTasks</c>; ours: one configuration by id and the jobs
/// of a configuration. Reading needs the Reader role (checked for the route).
/// </summary>
public sealed class ExportConfigurationQuery : ObjectGraphType
{
    public ExportConfigurationQuery()
    {
        Name = "Query";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ExportConfigurationGraphType>>>>("getAllExportConfigurations")
            .Description("Every configuration. Those whose connectionStatus is an error are tested again first (each at most once a minute), " +
                "so a trust policy fixed after creation shows SUCCESS here, as Immuta's verification step expects.")
            .ResolveAsync(async context =>
            {
                var service = context.Service<ExportConfigurationService>();
                return await service.RecheckFailedAsync(await service.ListAsync(context.CancellationToken), context.CancellationToken);
            });
        Field<ExportConfigurationGraphType>("getExportConfiguration")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
            {
                if (context.Id() is not { } id)
                {
                    return null;
                }
                var configuration = await context.Service<ExportConfigurationService>().GetAsync(id, context.CancellationToken);
                if (configuration is null)
                {
                    context.NotFound(id);
                }
                return configuration;
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ExportJobGraphType>>>>("getAllExportJobs")
            .Description("The newest jobs of a configuration (at most 50), newest first; their ids are what getAllExportJobTasks takes")
            .Argument<NonNullGraphType<IdGraphType>>("exportConfigurationId")
            .ResolveAsync(async context =>
            {
                var text = context.GetArgument<string>("exportConfigurationId");
                if (!Guid.TryParseExact(text, "D", out var id))
                {
                    context.Fail("BAD_USER_INPUT", $"exportConfigurationId must be a configuration id (a UUID), not '{text}'.", "exportConfigurationId");
                    return Array.Empty<Export.ExportJob>();
                }
                return await context.Service<Export.ExportStores>().RecentJobsAsync(id, 50, context.CancellationToken);
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ExportJobTaskGraphType>>>>("getAllExportJobTasks")
            .Description("Get all export job tasks by export job ID. Here a job is one task (see ExportJobTask).")
            .Argument<NonNullGraphType<StringGraphType>>("exportJobId", "The export job ID: {configuration id}:{job id}, as getAllExportJobs answers it")
            .ResolveAsync(async context =>
            {
                var job = await ExportJobIds.FindAsync(context, context.GetArgument<string>("exportJobId"));
                return job is null ? Array.Empty<Export.ExportJob>() : new[] { job };
            });
    }
}
