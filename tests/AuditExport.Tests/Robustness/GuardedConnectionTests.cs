using System.Net;
using System.Text;
using AuditExport.Configurations;
using AuditExport.Destinations;
using AuditExport.Tests.Export;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// The custom-endpoint guard fails closed and checks the address it connects to (issue 25, finding 7), and what a
/// custom endpoint answers is not repeated to Readers.
/// </summary>
[Collection(EmulatorsCollection.Robustness)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class GuardedConnectionTests(EmulatorsFixture emulators)
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::a9fe:a9fe]/")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/")]
    [InlineData("http://169.254.10.1:8080/")]
    public async Task Every_destination_connection_is_refused_at_connect_time_when_its_address_is_forbidden(string url)
    {
        // What a stored endpoint reaches once its name resolves elsewhere (DNS rebinding): the connection itself is checked.
        using var client = GuardedConnections.Client();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(url));

        Assert.Contains("is refused: it resolves only to addresses the exporter may not connect to", refused.Message);
    }

    [Fact]
    public async Task The_guarded_handler_still_connects_to_allowed_addresses()
    {
        using var client = GuardedConnections.Client();
        using var answer = await client.GetAsync(emulators.S3Endpoint);
        Assert.True((int)answer.StatusCode < 500);
    }

    [Fact]
    public async Task A_name_that_cannot_be_resolved_is_refused_not_allowed()
    {
        var reason = await EndpointPolicy.CheckHostAsync("no-such-host.invalid", default);

        Assert.StartsWith("could not be resolved (", reason);
    }

    [Fact]
    public async Task A_custom_endpoint_error_body_is_not_shown_to_readers_only_its_status_and_code()
    {
        const string internalDetail = "INTERNAL-DETAIL db=10.0.0.7 user=svc_backup";
        var (app, endpoint) = await LoopbackServer.StartAsync(app => app.Run(async context =>
        {
            context.Response.StatusCode = 403;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync($"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>{internalDetail}</Message></Error>");
        }));
        await using var _ = app;
        await using var bench = await ExportBench.StartAsync(emulators);

        var response = await bench.Http.PostAsync("/api/export-configurations/s3-access-key", new StringContent(
            $$"""{"interval":"EVERY_2_HOURS","bucket":"internal","region":"us-east-1","accessKeyId":"TESTONLYKEYID00000001","secretAccessKey":"x","endpoint":"{{endpoint.AbsoluteUri}}","forcePathStyle":true}""",
            Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain("INTERNAL-DETAIL", body);
        Assert.Contains("Error testing access to S3 using AccessKey TESTONLYKEYID00000001 - the endpoint answered HTTP 403 (AccessDenied)", body);
    }
}
