using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace AuditExport.Tests.Hosting;

/// <summary>
/// The OpenAPI document is the API's description for client generators: committed as functions/AuditExport/Api/openapi.json,
/// equal to what /api/openapi.json serves, valid, with request schemas, real status codes, problems and security schemes.
/// </summary>
[Collection(EmulatorsCollection.Api)]
public sealed class OpenApiDocumentTests(EmulatorsFixture emulators)
{
    private static readonly string Committed = Path.Combine(RepositoryLayout.Root, "functions", "AuditExport", "Api", "openapi.json");

    private async Task<string> ServedAsync()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();
        var served = JsonNode.Parse(await http.GetStringAsync("/api/openapi.json"))!;
        return served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
    }

    [Fact]
    public async Task The_committed_document_is_the_one_the_api_serves_and_it_is_valid()
    {
        var served = await ServedAsync();
        var printed = Path.Combine(Path.GetTempPath(), "audit-export-openapi.json");
        await File.WriteAllTextAsync(printed, served);

        Assert.True(File.Exists(Committed) && File.ReadAllText(Committed).ReplaceLineEndings("\n") == served,
            $"{Committed} differs from the served document; if the change is meant, copy {printed} over it.");
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(served));
        var read = await OpenApiDocument.LoadAsync(stream, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Empty(read.Document!.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task The_document_describes_requests_statuses_problems_and_security_and_leaves_out_the_hosts_routes()
    {
        var document = JsonNode.Parse(await ServedAsync())!;
        var paths = document["paths"]!.AsObject();

        Assert.DoesNotContain(paths, p => !p.Key.StartsWith("/api/", StringComparison.Ordinal)); // no /IngestAuditEvents, no timers
        Assert.Contains("/api/audit/graphql", paths.Select(p => p.Key));
        var create = paths["/api/export-configurations/s3-access-key"]!["post"]!;
        Assert.NotNull(create["requestBody"]!["content"]!["application/json"]!["schema"]);
        Assert.Equal(["201", "400", "401", "403", "409", "413", "415", "503"], create["responses"]!.AsObject().Select(r => r.Key).Order());
        Assert.Equal("application/problem+json", create["responses"]!["409"]!["content"]!.AsObject().Single().Key);
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("x-functions-key", schemes["functionKey"]!["name"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.NotNull(create["security"]);
        Assert.Null(paths["/api/health"]!["get"]!["security"]);
        Assert.Contains("204", paths["/api/export-configurations/{id}"]!["delete"]!["responses"]!.AsObject().Select(r => r.Key));
    }
}
