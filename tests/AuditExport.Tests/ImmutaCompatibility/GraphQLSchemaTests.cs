using AuditExport.Api.GraphQL;
using AuditExport.LocalHost;

namespace AuditExport.Tests.ImmutaCompatibility;

public sealed class GraphQLSchemaTests
{
    private static readonly string Committed = Path.Combine(RepositoryLayout.Root, "functions", "AuditExport", "Api", "GraphQL", "schema.graphql");

    [Fact]
    public void The_committed_schema_the_README_links_is_the_schema_the_endpoint_serves()
    {
        var served = GraphQLEndpoint.PrintSchema().ReplaceLineEndings("\n").Trim() + "\n";
        var printed = Path.Combine(Path.GetTempPath(), "audit-export-schema.graphql");
        File.WriteAllText(printed, served);
        Assert.True(File.Exists(Committed) && File.ReadAllText(Committed).ReplaceLineEndings("\n") == served,
            $"{Committed} differs from the served schema; if the change is meant, copy {printed} over it.");
    }
}
