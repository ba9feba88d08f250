using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;
using AuditExport.Api.Security;

namespace AuditExport.Tests.Hosting;

/// <summary>
/// Who may do what: App Service Authentication (the front door stands in for it) lets only token holders
/// through, and the handler enforces the app roles from the principal it forwards.
/// </summary>
[Collection(EmulatorsCollection.Api)]
public sealed class ApiAuthorizationTests(EmulatorsFixture emulators)
{
    private static readonly Caller Reader = new("auditor@contoso.example", "5b5450db-eb26-4c1a-981c-ba1d25f0483d", new HashSet<string> { ApiRoles.Reader }, "aad");
    private static readonly Caller NoRoles = new("someone@contoso.example", "9a1f0c1e-0000-4000-8000-000000000001", new HashSet<string>(), "aad");

    [Fact]
    public async Task Without_a_token_every_route_but_health_is_401_and_a_principal_header_sent_by_the_client_counts_for_nothing()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var anonymous = handler.FrontDoor.CreateClient(withToken: false);
        anonymous.DefaultRequestHeaders.Add(Caller.PrincipalHeader, FrontDoor.LocalAdmin.ToPrincipalHeader()); // forged: the platform strips it

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/export-configurations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/openapi.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task The_handler_itself_refuses_a_request_without_a_forwarded_principal_when_authentication_is_on()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var direct = new HttpClient { BaseAddress = handler.BaseAddress };

        using var response = await direct.GetAsync("/api/export-configurations");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("the request carries no X-MS-CLIENT-PRINCIPAL: call with a bearer token for the API's app registration", problem.GetProperty("detail").GetString());
        using var garbled = new HttpRequestMessage(HttpMethod.Get, "/api/export-configurations");
        garbled.Headers.Add(Caller.PrincipalHeader, "not base64 json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await direct.SendAsync(garbled)).StatusCode);
    }

    [Fact]
    public async Task A_reader_reads_but_cannot_create_change_delete_test_or_export_and_is_told_which_role_is_missing()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        using var reader = bench.Handler.FrontDoor.CreateClient(caller: Reader);
        var configuration = await bench.ConfigurationAsync(id);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/export-configurations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/export-configurations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/export-configurations/{id}/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/configuration-changes?configurationId={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/openapi.json")).StatusCode);
        var attempts = new (HttpMethod Method, string Path, JsonNode? Body)[]
        {
            (HttpMethod.Post, "/api/export-configurations/s3-access-key", JsonNode.Parse(configuration.GetRawText())),
            (HttpMethod.Put, $"/api/export-configurations/{id}", JsonNode.Parse(configuration.GetRawText())),
            (HttpMethod.Delete, $"/api/export-configurations/{id}", null),
            (HttpMethod.Post, $"/api/export-configurations/{id}/disable", null),
            (HttpMethod.Post, $"/api/export-configurations/{id}/test-connection", null),
            (HttpMethod.Post, $"/api/export-configurations/{id}/export", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await reader.SendAsync(request);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal($"auditor@contoso.example lacks the app role AuditExport.Admin, which {method} {path} needs. Ask an owner of the API's app registration to assign it.",
                problem.GetProperty("detail").GetString());
        }
        Assert.Equal("True", (await bench.ConfigurationAsync(id)).GetProperty("enabled").ToString()); // nothing changed
        Assert.Contains(bench.Handler.Logs, l => l.Contains("Refused DELETE") && l.Contains("auditor@contoso.example") && l.Contains("AuditExport.Admin"));
    }

    [Fact]
    public async Task A_caller_without_any_role_cannot_even_read()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var nobody = handler.FrontDoor.CreateClient(caller: NoRoles);

        Assert.Equal(HttpStatusCode.Forbidden, (await nobody.GetAsync("/api/export-configurations")).StatusCode);
    }

    [Fact]
    public async Task With_function_keys_only_for_local_development_no_principal_is_needed()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings[ApiAuthorization.SettingName] = ApiAuthorization.FunctionKeysOnly;
        await using var handler = await TestHandler.StartAsync(settings);
        using var direct = new HttpClient { BaseAddress = handler.BaseAddress };

        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/api/export-configurations")).StatusCode);
    }

    [Fact]
    public void An_unknown_authentication_mode_stops_the_start()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings[ApiAuthorization.SettingName] = "Off";

        var error = Assert.Throws<InvalidOperationException>(() => HandlerApp.Build(TestHandler.Arguments(settings)));

        Assert.Equal("ApiAuthentication must be EntraId or FunctionKeysOnly; it is 'Off'.", error.Message);
    }

    [Fact]
    public void The_principal_the_platform_forwards_is_read_for_users_and_for_applications()
    {
        static Caller? Read(string json, params (string, string)[] headers)
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Request.Headers[Caller.PrincipalHeader] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json));
            foreach (var (name, value) in headers)
            {
                context.Request.Headers[name] = value;
            }
            return Caller.Read(context.Request, out _);
        }
        // As App Service documents it: a user with roles in role_typ claims.
        var user = Read("""{"auth_typ":"aad","name_typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress","role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","claims":[{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier","val":"5b5450db"},{"typ":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress","val":"ana@contoso.example"},{"typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","val":"AuditExport.Reader"},{"typ":"groups","val":"g1"}]}""");
        // An application with its own identity (client credentials): roles in "roles", named by its client id.
        var app = Read("""{"auth_typ":"aad","claims":[{"typ":"roles","val":"AuditExport.Admin"},{"typ":"appid","val":"c0ffee00-app"}]}""");

        Assert.Equal(("ana@contoso.example", "5b5450db", "aad"), (user!.Name, user.Id, user.AuthType));
        Assert.True(user.Has(ApiRoles.Reader));
        Assert.False(user.Has(ApiRoles.Admin));
        Assert.Equal("c0ffee00-app", app!.Name);
        Assert.True(app.Has(ApiRoles.Admin) && app.Has(ApiRoles.Reader)); // Admin includes reading

        // Empty name and id headers beside an admin principal (issue 25, finding 9): the claims decide, never "".
        var blank = Read("""{"auth_typ":"aad","claims":[{"typ":"roles","val":"AuditExport.Admin"},{"typ":"oid","val":"0a0b"},{"typ":"preferred_username","val":"ops@contoso.example"}]}""",
            (Caller.NameHeader, ""), (Caller.IdHeader, " "));
        Assert.Equal(("ops@contoso.example", "0a0b"), (blank!.Name, blank.Id));
    }

    [Fact]
    public void Every_api_route_but_health_requires_a_policy_so_a_new_route_is_never_open_by_accident()
    {
        var app = HandlerApp.Build(TestHandler.Arguments(TestHandler.IsolatedSettings(emulators, out _, out _)));
        var endpoints = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();

        Assert.True(endpoints.Count > 10);
        foreach (var endpoint in endpoints)
        {
            var anonymous = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Select(a => a.Policy).ToList();
            if (endpoint.RoutePattern.RawText == "/api/health")
            {
                Assert.True(anonymous);
                continue;
            }
            Assert.False(anonymous, endpoint.RoutePattern.RawText);
            Assert.True(policies.Any(p => p is ApiPolicies.Reader or ApiPolicies.Admin), $"{endpoint.DisplayName} requires no policy");
        }
    }
}
