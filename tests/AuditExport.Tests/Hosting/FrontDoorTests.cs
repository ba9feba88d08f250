using System.Net;
using System.Net.Http.Json;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Hosting;

/// <summary>The local front door behaves like the Functions host: declared routes and methods only, function keys checked.</summary>
[Collection(EmulatorsCollection.Api)]
public sealed class FrontDoorTests(EmulatorsFixture emulators)
{
    private Task<TestHandler> StartAsync() => TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));

    [Fact]
    public async Task Keys_are_required_where_authLevel_is_function_by_header_or_code_query_and_health_is_anonymous()
    {
        await using var handler = await StartAsync();
        using var anonymous = handler.FrontDoor.CreateClient(withKey: false);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/openapi.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/openapi.json?code=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/openapi.json?code=" + Uri.EscapeDataString(handler.FrontDoor.FunctionKey))).StatusCode);
        using var keyed = handler.Http();
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/api/openapi.json")).StatusCode);
    }

    [Fact]
    public async Task Undeclared_routes_and_methods_answer_the_hosts_bare_404_and_an_id_that_is_not_a_uuid_a_problem_that_says_so()
    {
        await using var handler = await StartAsync();
        using var http = handler.Http();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/not-a-function")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PatchAsync($"/api/export-configurations/{Guid.NewGuid()}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/IngestAuditEvents", null)).StatusCode); // invocations are not HTTP routes

        // function.json forwards any {id}; the handler takes UUIDs only and says so.
        using var mistyped = await http.GetAsync("/api/export-configurations/not-a-uuid/jobs");
        var problem = await mistyped.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(HttpStatusCode.NotFound, mistyped.StatusCode);
        Assert.Equal("application/problem+json", mistyped.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No such route.", problem.GetProperty("title").GetString());
        Assert.Equal("GET /api/export-configurations/not-a-uuid/jobs matches no route of this API. " + AuditExport.Api.NoSuchRoute.IdHint, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_handler_route_without_its_function_json_is_unreachable_through_the_host()
    {
        await using var handler = await StartAsync();
        var complete = FunctionAppLayout.Read();
        var withoutJobs = complete with { Functions = complete.Functions.Where(f => f.Name != "ListExportJobs").ToList() };
        await using var frontDoor = await FrontDoor.StartAsync(handler.BaseAddress, layout: withoutJobs);
        using var http = frontDoor.CreateClient();
        var id = Guid.NewGuid();
        var throughHost = await http.GetAsync($"/api/export-configurations/{id}/jobs");
        Assert.Equal(HttpStatusCode.NotFound, throughHost.StatusCode);
        Assert.Equal("", await throughHost.Content.ReadAsStringAsync()); // the host's bare 404: no function has that route
        using var direct = new HttpClient { BaseAddress = handler.BaseAddress };
        direct.DefaultRequestHeaders.Add(AuditExport.Api.Security.Caller.PrincipalHeader, FrontDoor.LocalAdmin.ToPrincipalHeader()); // as the platform forwards it
        var handlerAnswer = await (await direct.GetAsync($"/api/export-configurations/{id}/jobs")).Content.ReadAsStringAsync();
        Assert.Contains("Export configuration not found.", handlerAnswer); // the handler itself has the route
    }

    [Theory]
    [InlineData("export-configurations/{id:guid}", "export-configurations/0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e", true)]
    [InlineData("export-configurations/{id:guid}", "export-configurations/0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e/jobs", false)]
    [InlineData("export-configurations/{id:guid}/jobs", "Export-Configurations/0B6C5B7E-56A3-4F0E-9A53-1F9F7B1C2D3E/jobs/", true)]
    [InlineData("health", "healthz", false)]
    public void Route_templates_match_as_the_host_matches_them(string template, string path, bool matches) =>
        Assert.Equal(matches, FunctionDefinition.RouteRegex(template).IsMatch(path));
}
