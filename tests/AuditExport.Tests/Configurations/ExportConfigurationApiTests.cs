using AuditExport.LocalHost;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Configurations;
using AuditExport.Destinations;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// The configuration API over real HTTP through the handler, against s3rver, Azurite (ADLS through its Blob
/// endpoint) and a loopback STS that checks what AWSSDK.SecurityToken sends.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class ExportConfigurationApiTests(EmulatorsFixture emulators) : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/audit-export";
    private HandlerWithSts _api = null!;
    private FakeStsServer _sts = null!;
    private TestHandler _handler = null!;
    private HttpClient _http = null!;
    private Dictionary<string, string> _settings = null!;

    public async Task InitializeAsync()
    {
        _api = await HandlerWithSts.StartAsync(emulators);
        (_sts, _handler, _settings) = (_api.Sts, _api.Handler, _api.Settings);
        _http = _handler.Http();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private async Task<JsonObject> S3AccessKeyBodyAsync(string secret = "S3RVER", string path = "audit/prod") => new()
    {
        ["interval"] = "EVERY_2_HOURS",
        ["bucket"] = await S3Buckets.CreateAsync(emulators.S3Endpoint),
        ["path"] = path,
        ["region"] = "us-east-1",
        ["accessKeyId"] = "S3RVER",
        ["secretAccessKey"] = secret,
        ["endpoint"] = emulators.S3Endpoint.AbsoluteUri,
        ["forcePathStyle"] = true,
    };

    private async Task<JsonObject> AdlsBodyAsync(string? signatureOverride = null)
    {
        var container = EmulatorsFixture.UniqueName("adls-");
        await emulators.CreateContainerAsync(container);
        return new JsonObject
        {
            ["interval"] = "EVERY_24_HOURS",
            ["storageAccount"] = StorageConnection.DevelopmentAccountName,
            ["fileSystem"] = container,
            ["path"] = "/audit//exports/",
            ["sasToken"] = "?" + AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddHours(1), signatureOverride),
            ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
        };
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body, string Text)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        _responses.Add(text);
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response, doc.RootElement.Clone(), text);
    }

    private readonly List<string> _responses = [];

    private static string Field(JsonElement json, params string[] path) =>
        path.Aggregate(json, (e, p) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var v) ? v
            : throw new KeyNotFoundException($"'{p}' is not in {json}")).ToString();

    [Fact]
    public async Task S3_access_key_configuration_is_created_tested_with_a_probe_object_and_never_returns_the_secret()
    {
        var body = await S3AccessKeyBodyAsync();

        var (response, json, text) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("SUCCESS", Field(json, "connectionStatus"));
        Assert.Equal("EVERY_2_HOURS", Field(json, "interval"));
        Assert.Equal("True", Field(json, "enabled"));
        Assert.Equal("S3AccessKey", Field(json, "endpointConfiguration", "type"));
        Assert.Equal("audit/prod", Field(json, "endpointConfiguration", "path"));
        Assert.Equal(response.Headers.ETag?.ToString(), Field(json, "etag"));
        Assert.Equal($"/api/export-configurations/{Field(json, "id")}", response.Headers.Location?.ToString());
        Assert.DoesNotContain("secretAccessKey", text);
        var probe = await S3Buckets.ReadAsync(emulators.S3Endpoint, body["bucket"]!.ToString(), "audit/prod/" + ConnectionTester.ProbeObjectName);
        Assert.Contains(Field(json, "id"), probe);
    }

    [Fact]
    public async Task Rejected_credentials_are_stored_anyway_with_a_status_in_Immuta_form_naming_method_and_reason()
    {
        // s3rver checks that the access key id exists but does not verify SigV4 signatures, so the
        // failure it can produce is an unknown key id; a wrong secret against real S3 reads the same way.
        var body = await S3AccessKeyBodyAsync(secret: "not-the-right-secret");
        body["accessKeyId"] = "UNKNOWNKEY";

        var (response, json, text) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("Error testing access to S3 using AccessKey UNKNOWNKEY - ", Field(json, "connectionStatus"));
        Assert.EndsWith("the endpoint answered HTTP 403 (InvalidAccessKeyId)", Field(json, "connectionStatus")); // s3rver is a custom endpoint: its code, not its words
        Assert.DoesNotContain("not-the-right-secret", text);
        var (_, listed, _) = await SendAsync(HttpMethod.Get, "/api/export-configurations");
        Assert.Contains(listed.EnumerateArray(), c => Field(c, "id") == Field(json, "id"));
    }

    [Fact]
    public async Task Assumed_role_calls_sts_with_the_role_external_id_and_session_name_then_writes_with_the_temporary_credentials()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var body = new JsonObject
        {
            ["interval"] = "EVERY_6_HOURS", ["bucket"] = bucket, ["region"] = "eu-west-1", ["roleArn"] = RoleArn,
            ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };

        // Created before the trust policy exists: stored, with AccessDenied as its status (as with Immuta).
        var (created, json, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-assumed-role", body);
        var id = Field(json, "id");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(id, Field(json, "endpointConfiguration", "externalId"));
        // Immuta's documented form: "Error testing access to S3 using AssumedRole <roleArn> - <AWS message>".
        Assert.Equal($"Error testing access to S3 using AssumedRole {RoleArn} - User: arn:aws:iam::111122223333:user/exporter is not authorized to perform: sts:AssumeRole on resource: {RoleArn}",
            Field(json, "connectionStatus"));

        // The administrator sets up the trust (ExternalId = configuration id) and tests again.
        _sts.Trust[RoleArn] = id;
        var (tested, testedJson, _) = await SendAsync(HttpMethod.Post, $"/api/export-configurations/{id}/test-connection");

        Assert.Equal(HttpStatusCode.OK, tested.StatusCode);
        Assert.Equal("SUCCESS", Field(testedJson, "connectionStatus"));
        var call = _sts.Calls.Last();
        Assert.Equal(RoleArn, call.RoleArn);
        Assert.Equal(id, call.ExternalId);
        Assert.Equal($"audit-export-{id}", call.SessionName);
        Assert.Equal(FakeStsServer.CallerAccessKeyId, call.SignedBy);
        Assert.NotNull(await S3Buckets.ReadAsync(emulators.S3Endpoint, bucket, ConnectionTester.ProbeObjectName));
    }

    [Fact]
    public async Task A_role_that_trusts_an_existing_configuration_id_keeps_working_when_created_with_that_id()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var migrated = "0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e";
        _sts.Trust[RoleArn + "-migrated"] = migrated; // the trust policy written for Immuta's configuration, unchanged
        var body = new JsonObject
        {
            ["id"] = migrated.ToUpperInvariant(), ["interval"] = "EVERY_12_HOURS", ["bucket"] = bucket, ["region"] = "eu-west-1", ["roleArn"] = RoleArn + "-migrated",
            ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };

        var (created, json, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-assumed-role", body);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(migrated, Field(json, "id"));
        Assert.Equal(migrated, Field(json, "endpointConfiguration", "externalId"));
        Assert.Equal("SUCCESS", Field(json, "connectionStatus"));
        Assert.Equal(migrated, _sts.Calls.Last().ExternalId);

        var (again, problem, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-assumed-role", body);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"A configuration with id {migrated} exists; leave id out for a new one, or update that one.", Field(problem, "detail"));
    }

    [Fact]
    public async Task Adls_sas_token_configuration_writes_its_probe_through_the_blob_endpoint_and_hides_the_token()
    {
        var body = await AdlsBodyAsync();

        var (response, json, text) = await SendAsync(HttpMethod.Post, "/api/export-configurations/adls-sas-token", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("SUCCESS", Field(json, "connectionStatus"));
        Assert.Equal("audit/exports", Field(json, "endpointConfiguration", "path"));
        var signature = body["sasToken"]!.ToString().Split("sig=")[1];
        Assert.DoesNotContain(signature, text);
        Assert.DoesNotContain(Uri.UnescapeDataString(signature), text);
        var probe = await emulators.ReadBlobAsync(body["fileSystem"]!.ToString(), "audit/exports/" + ConnectionTester.ProbeObjectName);
        Assert.NotNull(probe);
    }

    [Fact]
    public async Task Adls_with_a_bad_signature_is_stored_with_the_service_error_and_no_signature_anywhere()
    {
        var badSignature = Convert.ToBase64String(new byte[32]);
        var body = await AdlsBodyAsync(signatureOverride: badSignature);

        var (response, json, text) = await SendAsync(HttpMethod.Post, "/api/export-configurations/adls-sas-token", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // Azurite is a custom endpoint: its status and code are shown, not its words.
        Assert.Equal($"Error testing access to ADLS devstoreaccount1/{body["fileSystem"]} using SasToken - the endpoint answered HTTP 403 (AuthorizationFailure)", Field(json, "connectionStatus"));
        Assert.DoesNotContain(badSignature, text);
        Assert.DoesNotContain(Uri.EscapeDataString(badSignature), text);
    }

    [Fact]
    public async Task Get_list_update_enable_disable_and_delete_follow_the_resource_and_its_etag()
    {
        var body = await S3AccessKeyBodyAsync();
        var (_, created, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", body);
        var id = Field(created, "id");
        var etag = Field(created, "etag");

        var (got, gotJson, _) = await SendAsync(HttpMethod.Get, $"/api/export-configurations/{id}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(etag, got.Headers.ETag?.ToString());

        var update = (JsonObject)body.DeepClone();
        update["path"] = "elsewhere";
        update.Remove("secretAccessKey");
        update["interval"] = "EVERY_12_HOURS";
        var (updated, updatedJson, _) = await SendAsync(HttpMethod.Put, $"/api/export-configurations/{id}", update, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("EVERY_12_HOURS", Field(updatedJson, "interval"));
        Assert.Equal("SUCCESS", Field(updatedJson, "connectionStatus")); // the stored secret was kept and works
        Assert.NotEqual(etag, Field(updatedJson, "etag"));
        Assert.Equal(Field(gotJson, "createdAt"), Field(updatedJson, "createdAt"));

        var (stale, staleJson, _) = await SendAsync(HttpMethod.Put, $"/api/export-configurations/{id}", update, ifMatch: etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        Assert.Equal("412", Field(staleJson, "status"));

        var (disabled, disabledJson, _) = await SendAsync(HttpMethod.Post, $"/api/export-configurations/{id}/disable");
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal("False", Field(disabledJson, "enabled"));
        var (enabled, enabledJson, _) = await SendAsync(HttpMethod.Post, $"/api/export-configurations/{id}/enable", ifMatch: Field(disabledJson, "etag"));
        Assert.Equal("True", Field(enabledJson, "enabled"));

        var (deleted, _, _) = await SendAsync(HttpMethod.Delete, $"/api/export-configurations/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var (method, path) in new[] { (HttpMethod.Get, ""), (HttpMethod.Delete, ""), (HttpMethod.Post, "/enable"), (HttpMethod.Post, "/test-connection") })
        {
            var (gone, goneJson, _) = await SendAsync(method, $"/api/export-configurations/{id}{path}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("Export configuration not found.", Field(goneJson, "title"));
        }
    }

    [Fact]
    public async Task Concurrent_updates_with_the_same_if_match_let_exactly_one_win()
    {
        var original = await S3AccessKeyBodyAsync();
        var (_, created, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", original);
        var id = Field(created, "id");
        var etag = Field(created, "etag");
        var bodies = Enumerable.Range(0, 6).Select(i =>
        {
            var body = (JsonObject)original.DeepClone();
            body["path"] = $"writer-{i}";
            body.Remove("secretAccessKey");
            return body;
        }).ToList();

        var results = await Task.WhenAll(bodies.Select(b => SendAsync(HttpMethod.Put, $"/api/export-configurations/{id}", b, ifMatch: etag)));

        Assert.Single(results, r => r.Response.StatusCode == HttpStatusCode.OK);
        Assert.Equal(5, results.Count(r => r.Response.StatusCode == HttpStatusCode.PreconditionFailed));
        var winner = results.Single(r => r.Response.StatusCode == HttpStatusCode.OK);
        var (_, now, _) = await SendAsync(HttpMethod.Get, $"/api/export-configurations/{id}");
        Assert.Equal(Field(winner.Body, "endpointConfiguration", "path"), Field(now, "endpointConfiguration", "path"));
    }

    [Fact]
    public async Task Concurrent_toggles_without_if_match_lose_none()
    {
        var (_, created, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", await S3AccessKeyBodyAsync());
        var id = Field(created, "id");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => SendAsync(HttpMethod.Post, $"/api/export-configurations/{id}/{(i % 2 == 0 ? "disable" : "enable")}")));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        Assert.Equal(8, results.Select(r => Field(r.Body, "etag")).Distinct().Count()); // eight distinct versions were written, one after another
    }

    [Theory]
    [InlineData("s3-access-key", """{"interval":"EVERY_3_HOURS","bucket":"Bad_Bucket","region":"useast1","accessKeyId":"short","secretAccessKey":"x","path":"a/../b"}""",
        "interval|must be one of EVERY_2_HOURS, EVERY_4_HOURS, EVERY_6_HOURS, EVERY_12_HOURS, EVERY_24_HOURS",
        "bucket|may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit",
        "region|must be an AWS region code such as us-east-1, eu-central-1 or us-gov-west-1",
        "accessKeyId|must be 16 to 128 uppercase letters and digits",
        "secretAccessKey|must be 16 to 128 characters without whitespace",
        "path|must not contain '.' or '..' segments")]
    [InlineData("s3-access-key", """{"bucket":"192.168.1.1","region":"us-east-1","accessKeyId":"TESTKEYIDNOTAREAL000","extra":1}""",
        "interval|is required", "bucket|must not be formatted as an IP address", "secretAccessKey|is required", "extra|is not a field of S3AccessKey configurations")]
    [InlineData("s3-assumed-role", """{"interval":"EVERY_2_HOURS","bucket":"ok-bucket","region":"us-east-1","roleArn":"arn:aws:iam::12345:user/x","enabled":"yes"}""",
        "roleArn|must be an IAM role ARN such as arn:aws:iam::123456789012:role/audit-export", "enabled|must be true or false")]
    [InlineData("s3-assumed-role", """{"interval":"EVERY_2_HOURS","bucket":"ok..bucket","region":"us-east-1","roleArn":"arn:aws:iam::123456789012:role/x","endpoint":"http://169.254.169.254/latest"}""",
        "bucket|must not contain two adjacent periods", "endpoint|must not point at a cloud metadata service")]
    [InlineData("adls-sas-token", """{"interval":"EVERY_2_HOURS","storageAccount":"Has-Caps","fileSystem":"a--b","sasToken":"sv=2021-12-02&sp=r&se=2030-01-01&sig=abc","path":"x\u0001y"}""",
        "storageAccount|must be 3 to 24 lowercase letters and digits", "fileSystem|must not contain two consecutive hyphens",
        "sasToken|must grant create (c) and write (w) permissions", "path|must not contain control, zero-width, bidirectional-override or other invisible formatting characters")]
    [InlineData("adls-sas-token", """{"interval":"EVERY_2_HOURS","storageAccount":"acme","fileSystem":"audit","sasToken":"https://acme.blob.core.windows.net/audit?sv=1","endpoint":"ftp://example.org"}""",
        "sasToken|must be the SAS query string only", "endpoint|must be an absolute http or https URL")]
    [InlineData("adls-sas-token", """{"interval":"EVERY_2_HOURS","storageAccount":42,"fileSystem":"audit","sasToken":"sp=cw","endpoint":"http://[fe80::1]/"}""",
        "storageAccount|must be a string, not a JSON number", "sasToken|is missing sv, se, sig", "endpoint|must not be a link-local address")]
    public async Task Invalid_requests_get_a_problem_with_a_message_per_field(string kind, string body, params string[] expected)
    {
        var (response, json, _) = await SendAsync(HttpMethod.Post, $"/api/export-configurations/{kind}", JsonNode.Parse(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = json.GetProperty("errors");
        foreach (var (field, message) in expected.Select(e => e.Split('|', 2)).Select(p => (p[0], p[1])))
        {
            Assert.True(errors.TryGetProperty(field, out var messages), $"no error for {field}: {errors}");
            Assert.Contains(messages.EnumerateArray(), m => m.GetString()!.StartsWith(message, StringComparison.Ordinal));
        }
        Assert.Equal(expected.Select(e => e.Split('|')[0]).Distinct().Count(), errors.EnumerateObject().Count());
    }

    [Fact]
    public async Task Malformed_json_oversized_bodies_and_unknown_ids_get_problems()
    {
        using var malformed = new StringContent("{\"interval\":", Encoding.UTF8, "application/json");
        var bad = await _http.PostAsync("/api/export-configurations/s3-access-key", malformed);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The request body is not valid JSON.", problem.GetProperty("title").GetString());
        // Lines and columns counted from 1, as editors count them (the reader's own message counts lines from 0).
        using var secondLine = new StringContent("{\n  \"interval\": EVERY_2_HOURS}", Encoding.UTF8, "application/json");
        var where = await (await _http.PostAsync("/api/export-configurations/s3-access-key", secondLine)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("(line 2, column 15)", where.GetProperty("detail").GetString());
        Assert.DoesNotContain("LineNumber", where.GetProperty("detail").GetString());

        using var huge = new StringContent("{\"path\":\"" + new string('a', 70_000) + "\"}", Encoding.UTF8, "application/json");
        var tooLarge = await _http.PostAsync("/api/export-configurations/s3-access-key", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        var missing = await _http.GetAsync($"/api/export-configurations/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Custom_endpoints_are_refused_when_the_setting_is_off()
    {
        var settings = new Dictionary<string, string>(_settings) { ["AllowCustomEndpoints"] = "false" };
        await using var strict = await TestHandler.StartAsync(settings);
        using var http = strict.Http();

        var response = await http.PostAsJsonAsync("/api/export-configurations/s3-access-key", await S3AccessKeyBodyAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.StartsWith("custom endpoints are not allowed here", errors.GetProperty("endpoint")[0].GetString());
    }

    [Fact]
    public async Task Secrets_are_encrypted_at_rest_bound_to_their_configuration_and_readable_after_key_rotation()
    {
        var body = await S3AccessKeyBodyAsync();
        var (_, json, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", body);
        var id = Guid.Parse(Field(json, "id"));

        var row = await emulators.RowAsync(_settings["ExportConfigurationsTable"], ExportConfigurationStore.PartitionKey, id.ToString());
        var stored = row!.GetString("ProtectedSecret")!;
        Assert.StartsWith("v1.k1.", stored);
        Assert.DoesNotContain("S3RVER", row!.Where(p => p.Key != "AccessKeyId").Select(p => p.Value?.ToString()));

        var protector = SecretProtector.FromSetting(TestKeys.Current);
        Assert.Equal("S3RVER", protector.Unprotect(stored, SecretProtector.Context(id, "secretAccessKey")));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect(stored, SecretProtector.Context(Guid.NewGuid(), "secretAccessKey")));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => SecretProtector.FromSetting(TestKeys.NewKey).Unprotect(stored, SecretProtector.Context(id, "secretAccessKey")));

        // After rotation the handler encrypts with k2 and still reads configurations written with k1.
        var rotated = new Dictionary<string, string>(_settings) { ["SecretProtectionKeys"] = TestKeys.Rotated };
        await using var handler = await TestHandler.StartAsync(rotated);
        using var http = handler.Http();
        var tested = await (await http.PostAsync($"/api/export-configurations/{id}/test-connection", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("SUCCESS", tested.GetProperty("connectionStatus").GetString());
        var created = await (await http.PostAsJsonAsync("/api/export-configurations/s3-access-key", await S3AccessKeyBodyAsync())).Content.ReadFromJsonAsync<JsonElement>();
        var newRow = await emulators.RowAsync(_settings["ExportConfigurationsTable"], ExportConfigurationStore.PartitionKey, created.GetProperty("id").GetString()!);
        Assert.StartsWith("v1.k2.", newRow!.GetString("ProtectedSecret"));
    }

    [Fact]
    public async Task No_response_or_log_line_of_a_full_session_contains_a_secret()
    {
        var s3 = await S3AccessKeyBodyAsync(secret: "S3RVER");
        var wrong = await S3AccessKeyBodyAsync(secret: "a-very-secret-wrong-key-123");
        wrong["accessKeyId"] = "UNKNOWNKEY"; // fails its test, so a warning is logged
        var adls = await AdlsBodyAsync();
        var (_, a, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", s3);
        await SendAsync(HttpMethod.Post, "/api/export-configurations/s3-access-key", wrong);
        var (_, c, _) = await SendAsync(HttpMethod.Post, "/api/export-configurations/adls-sas-token", adls);
        await SendAsync(HttpMethod.Get, "/api/export-configurations");
        await SendAsync(HttpMethod.Post, $"/api/export-configurations/{Field(a, "id")}/test-connection");
        await SendAsync(HttpMethod.Post, $"/api/export-configurations/{Field(c, "id")}/test-connection");
        await SendAsync(HttpMethod.Get, $"/api/export-configurations/{Field(c, "id")}");

        var signature = Uri.UnescapeDataString(adls["sasToken"]!.ToString().Split("sig=")[1]);
        Assert.Contains(_handler.Logs, l => l.Contains("Connection test of configuration")); // the recorder sees the handler's lines
        foreach (var text in _responses.Concat(_handler.Logs))
        {
            Assert.DoesNotContain("a-very-secret-wrong-key-123", text);
            Assert.DoesNotContain(signature, text);
            Assert.DoesNotContain(Uri.EscapeDataString(signature), text);
            Assert.DoesNotContain("sasToken", text);
            Assert.DoesNotContain("secretAccessKey", text);
        }
    }
}
