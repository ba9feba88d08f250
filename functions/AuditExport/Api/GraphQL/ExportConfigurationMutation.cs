using AuditExport.Configurations;
using AuditExport.Export;
using GraphQL;
using GraphQL.Types;
using AuditExport.Api.Security;
using AuditExport.Destinations;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// Immuta's mutations as its documents write them (<c>createS3AccessKeyExportConfiguration(data: ...)</c>,
/// <c>createS3AssumedRoleExportConfiguration</c>, <c>createAdlsSasTokenEndpointConfiguration</c>,
/// <c>updateAdlsSasTokenExportConfiguration(data: {id, ...})</c>, enable, disable, delete), this API's own earlier
/// names (<c>createAdlsExportConfiguration</c>, <c>updateExportConfiguration(id, input)</c>, <c>input:</c> for
/// <c>data:</c>), and the S3 updates by analogy with Immuta's ADLS one. All over the same service as the REST API.
/// Every mutation needs the Admin role. A mutation that fails answers null with its errors.
/// </summary>
public sealed class ExportConfigurationMutation : ObjectGraphType
{
    public ExportConfigurationMutation()
    {
        Name = "Mutation";
        Create<S3AccessKeyExportConfigurationInputGraphType>("createS3AccessKeyExportConfiguration", DestinationType.S3AccessKey, "to S3 with an access key");
        Create<S3AssumedRoleExportConfigurationInputGraphType>("createS3AssumedRoleExportConfiguration", DestinationType.S3AssumedRole,
            "to S3 through an IAM role; its trust policy must require ExternalId = the new id");
        Create<AdlsExportConfigurationInputGraphType>("createAdlsSasTokenEndpointConfiguration", DestinationType.AdlsSasToken, "to ADLS Gen2 with a SAS token (create and write)");
        Create<AdlsExportConfigurationInputGraphType>("createAdlsExportConfiguration", DestinationType.AdlsSasToken,
            "to ADLS Gen2 with a SAS token (this API's earlier name for createAdlsSasTokenEndpointConfiguration)");
        UpdateOfKind<UpdateAdlsSasTokenExportConfigurationInputGraphType>("updateAdlsSasTokenExportConfiguration", DestinationType.AdlsSasToken);
        UpdateOfKind<UpdateS3AccessKeyExportConfigurationInputGraphType>("updateS3AccessKeyExportConfiguration", DestinationType.S3AccessKey);
        UpdateOfKind<UpdateS3AssumedRoleExportConfigurationInputGraphType>("updateS3AssumedRoleExportConfiguration", DestinationType.S3AssumedRole);

        Field<ExportConfigurationGraphType>("updateExportConfiguration")
            .Description("Change the fields given; the kind cannot change. The connection is tested again.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<UpdateExportConfigurationInputGraphType>>("input")
            .ResolveAsync(context => AdminAsync(context, async (service, id) =>
            {
                var current = await service.GetAsync(id, context.CancellationToken);
                if (current is null)
                {
                    context.NotFound(id);
                    return null;
                }
                var input = await GraphQLInputReader.ReadAsync(context, context.GetArgument<Dictionary<string, object?>>("input"), current.Destination.Type, current);
                if (input is null)
                {
                    return null;
                }
                // The input was checked against this version (a kept secret may not go elsewhere): write only onto it.
                return Answer(context, id, await service.UpdateAsync(id, current.ETag, input, context.ChangedBy(), context.CancellationToken));
            }));
        Field<ExportConfigurationGraphType>("deleteExportConfiguration")
            .Description("Delete the configuration; answers it as it was. Its exported objects and job history stay.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(context => AdminAsync(context, async (service, id) =>
            {
                var current = await service.GetAsync(id, context.CancellationToken);
                var outcome = current is null ? ConfigurationOutcome.NotFound
                    : await service.DeleteAsync(id, current.ETag, context.ChangedBy(), context.CancellationToken);
                if (outcome == ConfigurationOutcome.Done)
                {
                    await context.Service<ExportStores>().DeleteStateAsync(id, context.CancellationToken);
                }
                return Answer(context, id, (outcome, current));
            }));
        Lifecycle("enableExportConfiguration", "Start exporting on the interval", (service, id, by, ct) => service.SetEnabledAsync(id, null, true, by, ct));
        Lifecycle("disableExportConfiguration", "Stop exporting; nothing is lost, the next export after enabling covers the gap",
            (service, id, by, ct) => service.SetEnabledAsync(id, null, false, by, ct));
        Lifecycle("testExportConfigurationConnection", "Write the probe object again; connectionStatus says what happened",
            (service, id, by, ct) => service.TestConnectionAsync(id, by, ct));
    }

    private void Create<TInput>(string name, DestinationType type, string destination) where TInput : IInputObjectGraphType =>
        Field<ExportConfigurationGraphType>(name)
            .Description($"Create an export {destination}. The connection is tested and the configuration stored whatever the result.")
            .Argument<TInput>("data", "The fields, as Immuta's documents pass them")
            .Argument<TInput>("input", "The same fields under this API's earlier argument name")
            .ResolveAsync(async context =>
            {
                if (!context.Holds(ApiRoles.Admin) || GraphQLInputReader.Given(context) is not { } given)
                {
                    return null;
                }
                var input = await GraphQLInputReader.ReadAsync(context, given, type, current: null);
                if (input is null)
                {
                    return null;
                }
                var created = await context.Service<ExportConfigurationService>().CreateAsync(input, context.ChangedBy(), context.CancellationToken);
                if (created is null)
                {
                    context.Fail("CONFLICT", ExportConfigurationService.IdInUse(input.Id), "id");
                }
                return created;
            });

    /// <summary>An update of one kind, its id inside <c>data</c> as in Immuta's ADLS update.</summary>
    private void UpdateOfKind<TInput>(string name, DestinationType type) where TInput : IInputObjectGraphType =>
        Field<ExportConfigurationGraphType>(name)
            .Description($"Change the fields given of a {type} configuration (its id in data); the connection is tested again.")
            .Argument<NonNullGraphType<TInput>>("data")
            .ResolveAsync(async context =>
            {
                if (!context.Holds(ApiRoles.Admin))
                {
                    return null;
                }
                var given = new Dictionary<string, object?>(context.GetArgument<Dictionary<string, object?>>("data"));
                given.Remove("id", out var idValue);
                if (!Guid.TryParseExact(idValue?.ToString(), "D", out var id))
                {
                    context.Fail("BAD_USER_INPUT", $"id must be a configuration id (a UUID), not '{idValue}'.", "id");
                    return null;
                }
                var service = context.Service<ExportConfigurationService>();
                var current = await service.GetAsync(id, context.CancellationToken);
                if (current is null)
                {
                    context.NotFound(id);
                    return null;
                }
                if (current.Destination.Type != type)
                {
                    context.Fail("BAD_USER_INPUT", $"Configuration {id} is a {current.Destination.Type} configuration; {name} changes {type} configurations only.", "id");
                    return null;
                }
                var input = await GraphQLInputReader.ReadAsync(context, given, type, current);
                return input is null ? null : Answer(context, id, await service.UpdateAsync(id, current.ETag, input, context.ChangedBy(), context.CancellationToken));
            });

    private void Lifecycle(string name, string description,
        Func<ExportConfigurationService, Guid, ChangedBy, CancellationToken, Task<(ConfigurationOutcome, ExportConfiguration?)>> change) =>
        Field<ExportConfigurationGraphType>(name)
            .Description(description)
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(context => AdminAsync(context, async (service, id) =>
                Answer(context, id, await change(service, id, context.ChangedBy(), context.CancellationToken))));

    private static async Task<object?> AdminAsync(IResolveFieldContext context, Func<ExportConfigurationService, Guid, Task<ExportConfiguration?>> action)
    {
        if (!context.Holds(ApiRoles.Admin) || context.Id() is not { } id)
        {
            return null;
        }
        return await action(context.Service<ExportConfigurationService>(), id);
    }

    private static ExportConfiguration? Answer(IResolveFieldContext context, Guid id, (ConfigurationOutcome Outcome, ExportConfiguration? Configuration) result)
    {
        switch (result.Outcome)
        {
            case ConfigurationOutcome.Done:
                return result.Configuration;
            case ConfigurationOutcome.NotFound:
                context.NotFound(id);
                return null;
            default:
                context.Fail("CONFLICT", "The configuration changed while this request was handled; read it again and retry.");
                return null;
        }
    }
}
