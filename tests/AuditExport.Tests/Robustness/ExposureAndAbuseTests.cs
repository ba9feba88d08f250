using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AuditExport.Tests.Robustness;

[Collection(EmulatorsCollection.Robustness)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class ExposureAndAbuseTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task The_handler_listens_on_loopback_only()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        var addresses = handler.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(IPAddress.IsLoopback(IPAddress.Parse(new Uri(a).Host.Trim('[', ']'))), $"{a} is not loopback"));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "must not point at a cloud metadata service")]
    [InlineData("http://[fd00:ec2::254]/", "must not point at a cloud metadata service")]
    [InlineData("http://metadata.google.internal/", "must not point at a cloud metadata service")]
    [InlineData("http://168.63.129.16/", "must not point at a cloud metadata service")]
    [InlineData("http://2852039166/", "must not point at a cloud metadata service")] // 169.254.169.254 as one number
    [InlineData("http://[::ffff:169.254.169.254]/", "must not point at a cloud metadata service")]
    [InlineData("http://169.254.10.1/", "must not be a link-local address")]
    [InlineData("http://[::a9fe:a9fe]/", "must not point at a cloud metadata service")] // IPv4-compatible
    [InlineData("http://[64:ff9b::a9fe:a9fe]/", "must not point at a cloud metadata service")] // NAT64
    [InlineData("http://[2002:a9fe:a9fe::1]/", "must not point at a cloud metadata service")] // 6to4
    [InlineData("http://[64:ff9b:1::a9fe:a9fe]/", "must not be a local-use NAT64 address (64:ff9b:1::/48)")]
    [InlineData("http://169.254.169.254.:80/", "must not point at a cloud metadata service")] // trailing dot
    [InlineData("http://metadata./", "must not point at a cloud metadata service")]
    [InlineData("http://[fe80::1%25eth0]/", "must not be a link-local address")]
    [InlineData("http://0.0.0.0/", "must not be an unspecified address")]
    [InlineData("file:///etc/passwd", "must be an absolute http or https URL")]
    [InlineData("gopher://127.0.0.1:6379/_", "must be an absolute http or https URL")]
    [InlineData("ftp://example.org/", "must be an absolute http or https URL")]
    [InlineData("http://user:pass@127.0.0.1/", "must not carry credentials, a query or a fragment")]
    [InlineData("//127.0.0.1/", "must be an absolute http or https URL")]
    public async Task Endpoint_overrides_towards_metadata_link_local_or_other_schemes_are_refused(string endpoint, string reason)
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();
        var response = await http.PostAsJsonAsync("/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = "audit", ["region"] = "us-east-1", ["accessKeyId"] = "K", ["secretAccessKey"] = "S", ["endpoint"] = endpoint,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(reason, errors.GetProperty("endpoint")[0].GetString());
    }

    [Fact]
    public async Task Script_and_sql_text_is_stored_and_returned_verbatim_as_json_data()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();
        const string path = "<script>alert('x')</script>/'; DROP TABLE configs;--/\"quoted\" & {json}";
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);

        var response = await http.PostAsJsonAsync("/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
            ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true, ["path"] = path,
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("<script>", body); // JSON-escaped on the wire
        // ... while what needs no escaping reads as it is: a time's +00:00 and the ETag's quotes, copyable into If-Match.
        Assert.DoesNotContain("\\u002B", body);
        Assert.DoesNotContain("\\u0027", body);
        Assert.Contains("+00:00", body);
        Assert.Matches("\"etag\":\"W/\\\\\"datetime'", body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        var read = await http.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}");
        Assert.Equal(path, read.GetProperty("endpointConfiguration").GetProperty("path").GetString());
        Assert.Equal("SUCCESS", read.GetProperty("connectionStatus").GetString());
    }

    [Fact]
    public async Task No_response_or_log_line_of_a_full_run_with_exports_contains_a_secret()
    {
        // s3rver checks the key id only, so a distinctive secret still works end to end.
        const string secret = "S3-Secret-Key-That-Must-Never-Leak-7f3a9c";
        await using var bench = await ExportBench.StartAsync(emulators);
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var container = EmulatorsFixture.UniqueName("secrets-");
        await emulators.CreateContainerAsync(container);
        var sas = AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddYears(1));
        var signature = Uri.UnescapeDataString(sas.Split("sig=")[1]);
        var responses = new List<string>();
        async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonObject? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            using var response = await bench.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            responses.Add(text);
            return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
        }

        var s3 = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = secret,
            ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        });
        var adls = await SendAsync(HttpMethod.Post, "/api/export-configurations/adls-sas-token", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container, ["sasToken"] = sas,
            ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
        });
        var broken = await SendAsync(HttpMethod.Post, "/api/export-configurations/adls-sas-token", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
            ["sasToken"] = AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddYears(1), signatureOverride: "c2lnbmF0dXJlLXRoYXQtaXMtd3Jvbmctb24tcHVycG9zZQ=="),
            ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
        });
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        await bench.IngestAsync(Samples.FixtureEvents);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        var timer = await bench.FireTimerAsync();
        responses.Add(timer.Body.ToString());
        foreach (var id in new[] { s3, adls, broken }.Select(c => c.GetProperty("id").GetString()))
        {
            await SendAsync(HttpMethod.Get, $"/api/export-configurations/{id}");
            await SendAsync(HttpMethod.Get, $"/api/export-configurations/{id}/jobs");
            await SendAsync(HttpMethod.Post, $"/api/export-configurations/{id}/test-connection");
        }
        await SendAsync(HttpMethod.Get, "/api/export-configurations");

        Assert.Equal(2, timer.ReturnValue.GetProperty("succeeded").GetInt32()); // the run really used both secrets
        Assert.Equal(1, timer.ReturnValue.GetProperty("failed").GetInt32());
        Assert.Contains(bench.Handler.Logs, l => l.Contains("AuthorizationFailure"));
        // Also what telemetry exporters receive: every span's name and tags (URLs included), every log record.
        var telemetry = bench.Handler.Telemetry;
        var everything = responses.Concat(bench.Handler.Logs)
            .Concat(telemetry.Spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName)))
            .Concat(telemetry.Logs.Select(l => l.Message ?? "")).ToList();
        Assert.Contains(everything, text => text.StartsWith("url.full=", StringComparison.Ordinal) && text.Contains(container, StringComparison.Ordinal)); // the ADLS uploads are there
        foreach (var leak in new[] { secret, signature, Uri.EscapeDataString(signature), "c2lnbmF0dXJlLXRoYXQtaXMtd3Jvbmctb24tcHVycG9zZQ" })
        {
            Assert.DoesNotContain(everything, text => text.Contains(leak, StringComparison.Ordinal));
        }
    }
}
