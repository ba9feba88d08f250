using AuditExport.Configurations;
using GraphQL;
using GraphQL.Types;

namespace AuditExport.GraphQLApi;

/// <summary>Immuta's <c>getAllExportConfigurations</c>, and one configuration by id. Reading needs the Reader role (checked for the route).</summary>
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
                context.CountOperation();
                var service = context.Service<ExportConfigurationService>();
                return await service.RecheckFailedAsync(await service.ListAsync(context.CancellationToken), context.CancellationToken);
            });
        Field<ExportConfigurationGraphType>("getExportConfiguration")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
            {
                context.CountOperation();
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
    }
}
