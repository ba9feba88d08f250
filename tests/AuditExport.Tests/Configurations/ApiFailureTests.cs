using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Destinations;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;
using AuditExport.Api;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// Every way a request can fail answers problem+json with a fitting status and a sentence that says what to do;
/// input that would be stored wrongly is refused; what GET answers can be PUT back.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class ApiFailureTests(EmulatorsFixture emulators)
{
    private static async Task<(HttpStatusCode Status, string? MediaType, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? body = null,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone());
    }

    private static string FirstError(JsonElement problem, string field) => problem.GetProperty("errors").GetProperty(field)[0].GetString()!;

    private JsonObject AdlsBody(string container, string sas) => new()
    {
        ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
        ["sasToken"] = sas, ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
    };

    [Theory]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"bucket\":\"\\ud800\"}", "bucket", "is not valid Unicode (a lone surrogate escape such as \\ud800)")]
    [InlineData("{\"\\udc00\":1}", "body", "has a field name that is not valid Unicode (a lone surrogate escape such as \\ud800)")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"path\":\"audit/\\u202Egpj.exe\"}", "path", "must not contain control, zero-width, bidirectional-override or other invisible formatting characters")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"path\":\"audit/\\u200Bprod\"}", "path", "must not contain control, zero-width, bidirectional-override or other invisible formatting characters")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"path\":\"audit/\\u0007prod\"}", "path", "must not contain control, zero-width, bidirectional-override or other invisible formatting characters")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"id\":\"config-7\"}", "id", "must be a UUID such as 0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e (to keep the ExternalId a role already trusts), or left out")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"id\":\"00000000-0000-0000-0000-000000000000\"}", "id", "must be a UUID such as 0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e (to keep the ExternalId a role already trusts), or left out")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"bucket\":\"a-bucket\",\"endpointConfiguration\":{\"bucket\":\"a-bucket\"}}", "bucket", "is given both at the top and in endpointConfiguration")]
    [InlineData("{\"interval\":\"EVERY_2_HOURS\",\"endpointConfiguration\":{\"type\":\"AdlsSasToken\"}}", "type", "is S3AccessKey for this route; the type cannot change")]
    public async Task Bodies_that_cannot_be_stored_as_given_are_refused_with_the_field_and_reason(string body, string field, string message)
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();

        var (status, mediaType, problem) = await SendAsync(http, HttpMethod.Post, "/api/export-configurations/s3-access-key", body);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, mediaType));
        Assert.Equal(message, FirstError(problem, field));
    }

    [Fact]
    public async Task A_body_that_is_not_declared_as_json_is_415_and_says_which_content_type_to_send()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();

        var (status, _, problem) = await SendAsync(http, HttpMethod.Post, "/api/export-configurations/s3-access-key", "interval=EVERY_2_HOURS", "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("Send Content-Type: application/json (this request said 'application/x-www-form-urlencoded').", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_oversized_sas_token_is_refused_before_anything_is_contacted_or_stored()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();
        var sas = AzuriteSas.ForContainer("never-created", "cw", DateTimeOffset.UtcNow.AddHours(1)) + "&x=" + new string('a', 30_000);

        var (status, _, problem) = await SendAsync(http, HttpMethod.Post, "/api/export-configurations/adls-sas-token", AdlsBody("never-created", sas).ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("is 30", FirstError(problem, "sasToken"));
        Assert.EndsWith("characters; a SAS token is at most 2048", FirstError(problem, "sasToken"));
    }

    [Fact]
    public async Task An_expired_sas_token_is_refused_and_one_that_expires_later_is_reported_as_expired_without_contacting_the_account()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var container = EmulatorsFixture.UniqueName("expiry-");
        await emulators.CreateContainerAsync(container);

        var (refused, _, problem) = await SendAsync(bench.Http, HttpMethod.Post, "/api/export-configurations/adls-sas-token",
            AdlsBody(container, AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddMinutes(-1))).ToJsonString());
        var (created, _, configuration) = await SendAsync(bench.Http, HttpMethod.Post, "/api/export-configurations/adls-sas-token",
            AdlsBody(container, AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddHours(1))).ToJsonString());
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(3));
        var (_, _, tested) = await SendAsync(bench.Http, HttpMethod.Post, $"/api/export-configurations/{configuration.GetProperty("id").GetString()}/test-connection");

        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal($"has expired (se={ExportBench.Start.AddMinutes(-1):yyyy-MM-dd'T'HH:mm:ss'Z'} is in the past): create a new SAS token", FirstError(problem, "sasToken"));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal($"Error testing access to ADLS {StorageConnection.DevelopmentAccountName}/{container} using SasToken - the SAS token expired at " +
            $"{ExportBench.Start.AddHours(1):yyyy-MM-dd'T'HH:mm:ss'Z'}: create a new one and update the configuration with it", tested.GetProperty("connectionStatus").GetString());
    }

    [Fact]
    public async Task Test_connection_with_a_secret_whose_key_was_removed_says_so_instead_of_failing()
    {
        string id;
        Dictionary<string, string> settings;
        await using (var before = await ExportBench.StartAsync(emulators))
        {
            (id, _) = await before.CreateS3ConfigurationAsync();
            settings = before.Settings;
        }
        var otherKey = "k9:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var after = await ExportBench.RestartWithAsync(emulators, settings, "SecretProtectionKeys", otherKey);

        var (status, _, tested) = await SendAsync(after.Http, HttpMethod.Post, $"/api/export-configurations/{id}/test-connection");

        Assert.Equal(HttpStatusCode.OK, status);
        var text = tested.GetProperty("connectionStatus").GetString()!;
        Assert.Contains("the stored secretAccessKey cannot be decrypted (The stored secret was encrypted with key 'k1', which SecretProtectionKeys no longer lists)", text);
        Assert.EndsWith("send the secretAccessKey again with PUT, or add its key back to SecretProtectionKeys", text);
    }

    [Theory]
    [InlineData("k1:not-base64!", "SecretProtectionKeys: key 'k1' is not base64.")]
    [InlineData("k1:AAAA", "SecretProtectionKeys: key 'k1' is 3 bytes; AES-256 needs 32.")]
    [InlineData("", "SecretProtectionKeys is not set")]
    public void A_malformed_key_setting_stops_the_start_with_the_reason(string value, string reason)
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["SecretProtectionKeys"] = value;

        var error = Assert.Throws<InvalidOperationException>(() => HandlerApp.Build(TestHandler.Arguments(settings)));

        Assert.StartsWith(reason, error.Message);
    }

    /// <summary>
    /// A first deployment starts before the identity's role on Key Vault has propagated: the reference is still unresolved.
    /// The handler starts anyway, says why on the health probe, and refuses the rest with the reason (ingest with 500, so
    /// the host retries and the events stay in Event Hubs) instead of failing to start with nobody told why.
    /// </summary>
    [Fact]
    public async Task With_an_unresolved_Key_Vault_reference_the_handler_starts_says_why_and_refuses_api_and_ingest_with_the_reason()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out var events, out _);
        settings["SecretProtectionKeys"] = "@Microsoft.KeyVault(VaultName=kv-auditexp-dev;SecretName=secret-protection-keys)";
        await using var handler = await TestHandler.StartAsync(settings);
        using var http = handler.Http();

        var (healthStatus, _, health) = await SendAsync(http, HttpMethod.Get, "/api/health");
        var (listStatus, _, list) = await SendAsync(http, HttpMethod.Get, "/api/export-configurations");
        var ingest = await handler.Host.InvokeAsync("IngestAuditEvents",
            AuditExport.LocalHost.EventHubInvocation.Create([Samples.Event("waits-on-the-hub")], "0", 0, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Matches(@"\A1\.0\.0\+[0-9a-f]{7,}", health.GetProperty("version").GetString()); // the build's version and commit, not 1.0.0.0
        Assert.StartsWith("SecretProtectionKeys is an unresolved Key Vault reference", health.GetProperty("checks").GetProperty("secretKeys").GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, listStatus);
        Assert.StartsWith("SecretProtectionKeys is an unresolved Key Vault reference", list.GetProperty("detail").GetString());
        Assert.Equal(500, ingest.Status);
        Assert.StartsWith("SecretProtectionKeys is an unresolved Key Vault reference", Assert.Single(ingest.Logs));
        var stored = await Record.ExceptionAsync(() => StoredEventsReport.ReadSegmentsAsync(emulators.TableService(), events));
        Assert.Equal(404, Assert.IsType<Azure.RequestFailedException>(stored).Status); // nothing stored, not even the table: the batch stays on the hub
        Assert.Contains(handler.Telemetry.Logs, l => l.Message?.Contains("refusing API calls and invocations", StringComparison.Ordinal) == true
            || l.Message?.StartsWith("Refused POST /IngestAuditEvents", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task With_storage_down_the_api_answers_503_with_retry_after_and_health_names_the_failed_check()
    {
        var closed = Emulators.FreePort();
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["AuditStorage"] = $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{closed}/{StorageConnection.DevelopmentAccountName};BlobEndpoint=http://127.0.0.1:{closed}/{StorageConnection.DevelopmentAccountName}";
        await using var handler = await TestHandler.StartAsync(settings);
        using var http = handler.Http();

        using var list = await http.GetAsync("/api/export-configurations");
        var problem = await list.Content.ReadFromJsonAsync<JsonElement>();
        using var health = await handler.FrontDoor.CreateClient(withKey: false).GetAsync("/api/health");
        var report = await health.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        Assert.Equal("application/problem+json", list.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ApiExceptionHandler.RetryAfterSeconds.ToString(), list.Headers.RetryAfter?.ToString());
        Assert.Equal("Storage is unavailable.", problem.GetProperty("title").GetString());
        Assert.Equal("cannot connect: ConnectionRefused. Retry later; /api/health shows what is failing.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("unhealthy", report.GetProperty("status").GetString());
        Assert.Equal("failed", report.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.Equal("failed", report.GetProperty("checks").GetProperty("blobStorage").GetProperty("status").GetString());
        Assert.Equal("ok", report.GetProperty("checks").GetProperty("secretKeys").GetProperty("status").GetString());
        Assert.DoesNotContain(handler.Logs, l => l.Contains("   at ", StringComparison.Ordinal)); // a 503 is one line, not a stack trace
    }

    [Fact]
    public async Task Health_is_healthy_when_storage_and_keys_work()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var anonymous = handler.FrontDoor.CreateClient(withKey: false);

        using var health = await anonymous.GetAsync("/api/health");
        var report = await health.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("healthy", report.GetProperty("status").GetString());
        Assert.Equal(["blobStorage", "secretKeys", "tableStorage"], report.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.All(report.GetProperty("checks").EnumerateObject(), c => Assert.Equal("ok", c.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task An_assumed_role_test_without_an_exporter_identity_says_what_to_configure()
    {
        var saved = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" }
            .ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var name in saved.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", "/nonexistent/config");
            Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
            await using var sts = await FakeStsServer.StartAsync();
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null); // the stand-in sets a caller identity; this test has none
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
            var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
            settings[S3ClientFactory.StsEndpointSetting] = sts.Endpoint.AbsoluteUri;
            await using var handler = await TestHandler.StartAsync(settings);
            using var http = handler.Http();

            var (status, _, created) = await SendAsync(http, HttpMethod.Post, "/api/export-configurations/s3-assumed-role", new JsonObject
            {
                ["interval"] = "EVERY_2_HOURS", ["bucket"] = "audit-bucket", ["region"] = "us-east-1", ["roleArn"] = "arn:aws:iam::123456789012:role/audit-export",
            }.ToJsonString());

            Assert.Equal(HttpStatusCode.Created, status);
            var text = created.GetProperty("connectionStatus").GetString()!;
            Assert.Equal("Error testing access to S3 using AssumedRole arn:aws:iam::123456789012:role/audit-export - " + S3ClientFactory.MissingOwnIdentityReason, text);
            Assert.DoesNotContain("CrtIntegration", text);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public async Task A_configuration_as_get_answers_it_can_be_put_back_unchanged()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync(startFrom: "EARLIEST_RETAINED");
        var read = await bench.ConfigurationAsync(id);

        var (status, _, written) = await SendAsync(bench.Http, HttpMethod.Put, $"/api/export-configurations/{id}", read.GetRawText());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(read.GetProperty("endpointConfiguration").GetRawText(), written.GetProperty("endpointConfiguration").GetRawText());
        Assert.Equal(("EVERY_2_HOURS", "EARLIEST_RETAINED", "SUCCESS"),
            (written.GetProperty("interval").GetString(), written.GetProperty("startFrom").GetString(), written.GetProperty("connectionStatus").GetString()));
    }

    [Fact]
    public async Task An_invocation_over_the_size_limit_gets_the_invocation_answer_with_the_reason()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var client = new TcpClient();
        await client.ConnectAsync(handler.BaseAddress.Host, handler.BaseAddress.Port);
        var stream = client.GetStream();
        var head = $"POST /IngestAuditEvents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {HandlerApp.MaxInvocationBytes + 1}\r\nConnection: close\r\n\r\n{{\"Data\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 413", answer);
        var content = answer[answer.IndexOf("\r\n\r\n", StringComparison.Ordinal)..]; // one small chunk at most: the JSON runs from the first { to the last }
        var body = JsonDocument.Parse(content[content.IndexOf('{')..(content.LastIndexOf('}') + 1)]).RootElement;
        Assert.StartsWith("The invocation body is larger than 2147483647 bytes, the most one invocation can carry; nothing was stored", body.GetProperty("Logs")[0].GetString());
    }
}
