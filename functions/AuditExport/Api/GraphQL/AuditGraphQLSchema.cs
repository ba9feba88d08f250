using GraphQL.Types;

namespace AuditExport.Api.GraphQL;

/// <summary>The schema of <c>/api/audit/graphql</c>, the endpoint Immuta's audit export is configured through.</summary>
public sealed class AuditGraphQLSchema : Schema
{
    public AuditGraphQLSchema()
    {
        Query = new ExportConfigurationQuery();
        Mutation = new ExportConfigurationMutation();
        // Reached only through the union; listed so that documents selecting "... on S3EndpointConfiguration" validate.
        RegisterType(typeof(S3EndpointConfigurationGraphType));
        RegisterType(typeof(AdlsEndpointConfigurationGraphType));
    }
}
