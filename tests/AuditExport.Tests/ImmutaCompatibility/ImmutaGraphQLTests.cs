using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Destinations;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;
using AuditExport.Api.Security;

namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// Immuta's audit export GraphQL documents sent unchanged (placeholders filled) to /api/audit/graphql, over real
/// HTTP through the host stand-in (which routes only what functions/AuditGraphQL/function.json declares), against
/// s3rver, Azurite and the loopback STS.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class ImmutaGraphQLTests(EmulatorsFixture emulators) : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/immuta-audit-export";
    // Made-up values of the right shape (uppercase letters and digits; 16+ characters): not AWS's, and not any real key.
    private const string ExampleKeyId = "TESTONLYKEYID00000001";
    private const string ExampleSecret = "test-only-secret-not-a-real-key/0001";
    private static readonly Caller Reader = new("auditor@contoso.example", "5b5450db-eb26-4c1a-981c-ba1d25f0483d", new HashSet<string> { ApiRoles.Reader }, "aad");
    private HandlerWithSts _api = null!;
    private FakeStsServer _sts = null!;
    private TestHandler _handler = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await HandlerWithSts.StartAsync(emulators);
        (_sts, _handler) = (_api.Sts, _api.Handler);
        _http = _handler.Http();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, string Text)> PostAsync(HttpClient http, string query, JsonObject? variables = null)
    {
        var request = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            request["variables"] = variables;
        }
        using var response = await http.PostAsync("/api/audit/graphql", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.Clone(), text);
    }

    private Task<(HttpStatusCode Status, JsonElement Body, string Text)> PostAsync(string query, JsonObject? variables = null) => PostAsync(_http, query, variables);

    private static JsonElement Data(JsonElement body, string field)
    {
        Assert.False(body.TryGetProperty("errors", out var errors), $"errors: {errors}");
        return body.GetProperty("data").GetProperty(field);
    }

    private static List<(string Message, string? Code, string? Field)> Errors(JsonElement body) =>
        body.GetProperty("errors").EnumerateArray().Select(e => (
            e.GetProperty("message").GetString()!,
            e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var code) ? code.GetString() : null,
            e.TryGetProperty("extensions", out var y) && y.TryGetProperty("field", out var field) ? field.GetString() : null)).ToList();

    private string EmulatorFields => $"endpoint: \"{emulators.S3Endpoint.AbsoluteUri}\" forcePathStyle: true";

    [Fact]
    public async Task Immutas_access_key_mutation_creates_a_configuration_and_answers_in_its_shape()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var document = ImmutaDocuments.Fill(ImmutaDocuments.CreateS3AccessKey, new Dictionary<string, string>
        {
            ["your-s3-bucket"] = bucket, ["your-optional-s3-bucket-path"] = "immuta/audit", ["your-aws-region"] = "us-east-1",
            ["YOURACCESSKEYID"] = "S3RVER", ["YOUR/SECRET/ACCESSKEY"] = "S3RVER",
        });

        // Pointed at s3rver: the one change a test must make, since the document as written goes to AWS.
        var (status, body, text) = await PostAsync(ImmutaDocuments.WithData(document, EmulatorFields));

        Assert.Equal(HttpStatusCode.OK, status);
        var created = Data(body, "createS3AccessKeyExportConfiguration");
        Assert.True(Guid.TryParse(created.GetProperty("id").GetString(), out _));
        Assert.Equal("EVERY_12_HOURS", created.GetProperty("interval").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());
        // Field for field Immuta's example response (seed 000, lines 578–593).
        Assert.Equal(["id", "interval", "enabled", "connectionStatus", "endpointConfiguration"], created.EnumerateObject().Select(p => p.Name));
        var endpoint = created.GetProperty("endpointConfiguration");
        Assert.Equal(bucket, endpoint.GetProperty("bucket").GetString());
        Assert.Equal("immuta/audit", endpoint.GetProperty("path").GetString());
        Assert.Equal("us-east-1", endpoint.GetProperty("region").GetString());
        Assert.Equal(["bucket", "path", "region"], endpoint.EnumerateObject().Select(p => p.Name));
        Assert.NotNull(await S3Buckets.ReadAsync(emulators.S3Endpoint, bucket, "immuta/audit/" + ConnectionTester.ProbeObjectName));

        // The REST API sees the same configuration.
        var rest = await _http.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{created.GetProperty("id").GetString()}");
        Assert.Equal("S3AccessKey", rest.GetProperty("endpointConfiguration").GetProperty("type").GetString());
        Assert.DoesNotContain("secretAccessKey", text);
    }

    [Fact]
    public async Task Immutas_access_key_mutation_unchanged_is_stored_with_a_status_in_Immutas_form_when_AWS_cannot_be_reached()
    {
        var document = ImmutaDocuments.Fill(ImmutaDocuments.CreateS3AccessKey, new Dictionary<string, string>
        {
            ["your-s3-bucket"] = "acme-audit-logs", ["your-optional-s3-bucket-path"] = "immuta", ["your-aws-region"] = "us-east-1",
            ["YOURACCESSKEYID"] = ExampleKeyId, ["YOUR/SECRET/ACCESSKEY"] = ExampleSecret,
        });

        var (_, body, text) = await PostAsync(document);

        var created = Data(body, "createS3AccessKeyExportConfiguration");
        Assert.StartsWith($"Error testing access to S3 using AccessKey {ExampleKeyId} - ", created.GetProperty("connectionStatus").GetString());
        Assert.Equal("acme-audit-logs", created.GetProperty("endpointConfiguration").GetProperty("bucket").GetString());
        Assert.DoesNotContain(ExampleSecret, text);
    }

    [Fact]
    public async Task Immutas_assumed_role_steps_work_as_written_create_then_trust_then_list_shows_SUCCESS()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var document = ImmutaDocuments.Fill(ImmutaDocuments.CreateS3AssumedRole, new Dictionary<string, string>
        {
            ["your-s3-bucket"] = bucket, ["your-optional-s3-bucket-path"] = "audit", ["your-region"] = "eu-west-1",
            ["arn:aws:iam::<Your AWS Account ID>:role/<the prepared role>"] = RoleArn,
        });

        // 1. Create: the role does not trust the new id yet, so the status is AWS's refusal in Immuta's form.
        var (_, body, _) = await PostAsync(ImmutaDocuments.WithData(document, EmulatorFields));
        var created = Data(body, "createS3AssumedRoleExportConfiguration");
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"Error testing access to S3 using AssumedRole {RoleArn} - User: arn:aws:iam::111122223333:user/exporter is not authorized " +
            $"to perform: sts:AssumeRole on resource: {RoleArn}", created.GetProperty("connectionStatus").GetString());
        Assert.Equal(["bucket", "path", "region"], created.GetProperty("endpointConfiguration").EnumerateObject().Select(p => p.Name));

        // 2. The administrator adds the trust policy with ExternalId = the configuration id.
        _sts.Trust[RoleArn] = id;

        // 3. List, and expect SUCCESS: the list tests failing configurations again.
        var (_, listed, _) = await PostAsync(ImmutaDocuments.GetAllForVerification);
        var mine = Data(listed, "getAllExportConfigurations").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
        Assert.Equal("SUCCESS", mine.GetProperty("connectionStatus").GetString());
        Assert.Equal(id, _sts.Calls.Last().ExternalId);
        Assert.NotNull(await S3Buckets.ReadAsync(emulators.S3Endpoint, bucket, "audit/" + ConnectionTester.ProbeObjectName));

        // The API reference's form (operation name, the shared S3 interface, createdBy/updatedBy, timestamps) reads the same configuration.
        var (_, byInterface, _) = await PostAsync(ImmutaDocuments.GetAllApiReference + ImmutaDocuments.ReferenceFragments);
        var same = Data(byInterface, "getAllExportConfigurations").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
        Assert.Equal("audit", same.GetProperty("endpointConfiguration").GetProperty("path").GetString());
        Assert.Equal(bucket, same.GetProperty("endpointConfiguration").GetProperty("bucket").GetString());
        Assert.Equal(FrontDoor.LocalAdmin.Name, same.GetProperty("createdBy").GetProperty("name").GetString());
        Assert.Equal(FrontDoor.LocalAdmin.Id, same.GetProperty("createdBy").GetProperty("id").GetString());
        Assert.Matches(@"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\z", same.GetProperty("createdAt").GetString()); // Immuta's DateTime: 2007-12-03T10:15:30Z
        Assert.Matches(@"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\z", same.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task A_migrating_role_keeps_its_external_id_through_the_create_mutation()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var immutaId = "3f0e2a51-7c1d-4b8e-9f26-5d4c3b2a1908";
        _sts.Trust[RoleArn + "-kept"] = immutaId;
        var document = ImmutaDocuments.Fill(ImmutaDocuments.CreateS3AssumedRole, new Dictionary<string, string>
        {
            ["your-s3-bucket"] = bucket, ["your-optional-s3-bucket-path"] = "audit", ["your-region"] = "eu-west-1",
            ["arn:aws:iam::<Your AWS Account ID>:role/<the prepared role>"] = RoleArn + "-kept",
        });
        document = ImmutaDocuments.WithData(document, $"id: \"{immutaId}\" {EmulatorFields}");

        var (_, body, _) = await PostAsync(document);
        var created = Data(body, "createS3AssumedRoleExportConfiguration");
        Assert.Equal(immutaId, created.GetProperty("id").GetString());
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());

        var (_, again, _) = await PostAsync(document);
        Assert.Equal(JsonValueKind.Null, again.GetProperty("data").GetProperty("createS3AssumedRoleExportConfiguration").ValueKind);
        var error = Assert.Single(Errors(again));
        Assert.Equal(($"A configuration with id {immutaId} exists; leave id out for a new one, or update that one.", "CONFLICT", "id"), error);
    }

    [Fact]
    public async Task The_whole_lifecycle_works_through_GraphQL_with_variables_and_never_returns_a_secret()
    {
        var container = EmulatorsFixture.UniqueName("adls-");
        await emulators.CreateContainerAsync(container);
        var sas = AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddHours(1));
        const string Fields = "id interval enabled connectionStatus endpointConfiguration { __typename ... on AdlsEndpointConfiguration { storageAccount fileSystem path } }";

        var (_, createdBody, createdText) = await PostAsync($"mutation Create($input: AdlsExportConfigurationInput!) {{ createAdlsExportConfiguration(input: $input) {{ {Fields} }} }}",
            new JsonObject
            {
                ["input"] = new JsonObject
                {
                    ["interval"] = "EVERY_24_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
                    ["path"] = "audit", ["sasToken"] = sas, ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
                },
            });
        var created = Data(createdBody, "createAdlsExportConfiguration");
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());
        // The earlier name still selects the fields (an interface now); __typename is Immuta's name.
        Assert.Equal("AdlsSasTokenEndpointConfiguration", created.GetProperty("endpointConfiguration").GetProperty("__typename").GetString());
        Assert.Equal(container, created.GetProperty("endpointConfiguration").GetProperty("fileSystem").GetString());

        // Update only the interval: the SAS token left out is kept, and the connection is tested again with it.
        var (_, updatedBody, updatedText) = await PostAsync($"mutation {{ updateExportConfiguration(id: \"{id}\", input: {{interval: EVERY_6_HOURS}}) {{ {Fields} }} }}");
        var updated = Data(updatedBody, "updateExportConfiguration");
        Assert.Equal("EVERY_6_HOURS", updated.GetProperty("interval").GetString());
        Assert.Equal("SUCCESS", updated.GetProperty("connectionStatus").GetString());
        Assert.Equal("audit", updated.GetProperty("endpointConfiguration").GetProperty("path").GetString());

        var (_, disabledBody, _) = await PostAsync($"mutation {{ disableExportConfiguration(id: \"{id}\") {{ enabled }} }}");
        Assert.False(Data(disabledBody, "disableExportConfiguration").GetProperty("enabled").GetBoolean());
        var (_, enabledBody, _) = await PostAsync($"mutation {{ enableExportConfiguration(id: \"{id}\") {{ enabled }} }}");
        Assert.True(Data(enabledBody, "enableExportConfiguration").GetProperty("enabled").GetBoolean());
        var (_, testedBody, _) = await PostAsync($"mutation {{ testExportConfigurationConnection(id: \"{id}\") {{ connectionStatus }} }}");
        Assert.Equal("SUCCESS", Data(testedBody, "testExportConfigurationConnection").GetProperty("connectionStatus").GetString());
        var (_, oneBody, oneText) = await PostAsync($"query {{ getExportConfiguration(id: \"{id}\") {{ {Fields} }} }}");
        Assert.Equal("EVERY_6_HOURS", Data(oneBody, "getExportConfiguration").GetProperty("interval").GetString());

        var (_, deletedBody, _) = await PostAsync($"mutation {{ deleteExportConfiguration(id: \"{id}\") {{ id }} }}");
        Assert.Equal(id, Data(deletedBody, "deleteExportConfiguration").GetProperty("id").GetString());
        var (_, goneBody, _) = await PostAsync($"query {{ getExportConfiguration(id: \"{id}\") {{ id }} }}");
        Assert.Equal(JsonValueKind.Null, goneBody.GetProperty("data").GetProperty("getExportConfiguration").ValueKind);
        Assert.Equal(($"There is no export configuration {id}.", "NOT_FOUND", "id"), Assert.Single(Errors(goneBody)));

        // Who did what is recorded as for the REST API.
        var changes = await _http.GetFromJsonAsync<JsonElement>($"/api/configuration-changes?configurationId={id}");
        Assert.Equal(["delete", "test-connection", "enable", "disable", "update", "create"], changes.EnumerateArray().Select(c => c.GetProperty("action").GetString()));
        var signature = sas.Split("sig=")[1].Split('&')[0];
        foreach (var text in new[] { createdText, updatedText, oneText })
        {
            Assert.DoesNotContain(signature, text);
            Assert.DoesNotContain(Uri.EscapeDataString(signature), text);
        }
    }

    [Fact]
    public async Task Bad_values_answer_one_error_per_field_with_the_REST_APIs_words_and_nothing_is_created()
    {
        var before = (await _http.GetFromJsonAsync<JsonElement>("/api/export-configurations?verify=false")).GetArrayLength();
        var document = ImmutaDocuments.Fill(ImmutaDocuments.CreateS3AccessKey, new Dictionary<string, string>
        {
            ["your-s3-bucket"] = "Not_A_Bucket", ["your-optional-s3-bucket-path"] = "audit", ["your-aws-region"] = "mars-1",
            ["YOURACCESSKEYID"] = ExampleKeyId, ["YOUR/SECRET/ACCESSKEY"] = ExampleSecret,
        });

        var (status, body, text) = await PostAsync(document);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").GetProperty("createS3AccessKeyExportConfiguration").ValueKind);
        var errors = Errors(body);
        Assert.Equal(["bucket", "region"], errors.Select(e => e.Field).Order());
        Assert.All(errors, e => Assert.Equal("BAD_USER_INPUT", e.Code));
        var rest = await _http.PostAsJsonAsync("/api/export-configurations/s3-access-key", new
        {
            interval = "EVERY_12_HOURS", bucket = "Not_A_Bucket", path = "audit", region = "mars-1", accessKeyId = ExampleKeyId, secretAccessKey = ExampleSecret,
        });
        var restErrors = (await rest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.All(errors, e => Assert.Equal($"{e.Field} {restErrors.GetProperty(e.Field!)[0].GetString()}", e.Message));
        Assert.DoesNotContain(ExampleSecret, text);
        Assert.Equal(before, (await _http.GetFromJsonAsync<JsonElement>("/api/export-configurations?verify=false")).GetArrayLength());

        // A document GraphQL cannot parse does not echo the line it stopped at (it may hold a secret).
        var (_, broken, brokenText) = await PostAsync(document.Replace($"secretAccessKey: \"{ExampleSecret}\"", $"secretAccessKey: \"{ExampleSecret}\" ]"));
        Assert.Contains(Errors(broken), e => e.Message.Contains("Syntax Error", StringComparison.Ordinal) || e.Code == "SYNTAX_ERROR");
        Assert.DoesNotContain(ExampleSecret, brokenText);
    }

    [Fact]
    public async Task A_reader_can_query_but_every_mutation_is_forbidden_and_changes_nothing()
    {
        using var reader = _handler.FrontDoor.CreateClient(caller: Reader);
        var (_, schema, _) = await PostAsync(reader, "{ __schema { mutationType { fields { name } } } }");
        var mutations = schema.GetProperty("data").GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()!).ToHashSet();
        var id = Guid.NewGuid();
        var documents = new Dictionary<string, string>
        {
            ["createS3AccessKeyExportConfiguration"] = $"input: {{interval: EVERY_2_HOURS, bucket: \"b-1234\", region: \"us-east-1\", accessKeyId: \"{ExampleKeyId}\", secretAccessKey: \"x\"}}",
            ["createS3AssumedRoleExportConfiguration"] = $"input: {{interval: EVERY_2_HOURS, bucket: \"b-1234\", region: \"us-east-1\", roleArn: \"{RoleArn}\"}}",
            ["createAdlsExportConfiguration"] = "input: {interval: EVERY_2_HOURS, storageAccount: \"acct\", fileSystem: \"fs\", sasToken: \"sv=1\"}",
            ["createAdlsSasTokenEndpointConfiguration"] = "data: {interval: \"EVERY_2_HOURS\", storageAccount: \"acct\", fileSystem: \"fs\", sasToken: \"sv=1\"}",
            ["updateAdlsSasTokenExportConfiguration"] = $"data: {{id: \"{id}\", interval: EVERY_4_HOURS}}",
            ["updateS3AccessKeyExportConfiguration"] = $"data: {{id: \"{id}\", interval: EVERY_4_HOURS}}",
            ["updateS3AssumedRoleExportConfiguration"] = $"data: {{id: \"{id}\", interval: EVERY_4_HOURS}}",
            ["updateExportConfiguration"] = $"id: \"{id}\", input: {{interval: EVERY_4_HOURS}}",
            ["deleteExportConfiguration"] = $"id: \"{id}\"",
            ["enableExportConfiguration"] = $"id: \"{id}\"",
            ["disableExportConfiguration"] = $"id: \"{id}\"",
            ["testExportConfigurationConnection"] = $"id: \"{id}\"",
        };
        Assert.Equal(mutations.Order(), documents.Keys.Order()); // a new mutation must be added here, and so checked

        foreach (var (name, arguments) in documents)
        {
            var (status, body, _) = await PostAsync(reader, $"mutation {{ {name}({arguments}) {{ id }} }}");
            Assert.Equal(HttpStatusCode.OK, status);
            var error = Assert.Single(Errors(body));
            Assert.Equal("FORBIDDEN", error.Code);
            Assert.Equal($"{Reader.Name} lacks the app role {ApiRoles.Admin}, which {name} needs. Ask an owner of the API's app registration to assign it.", error.Message);
        }
        var (_, listed, _) = await PostAsync(reader, "{ getAllExportConfigurations { id } }");
        Assert.DoesNotContain(listed.GetProperty("data").GetProperty("getAllExportConfigurations").EnumerateArray(), c => c.GetProperty("id").GetString() == id.ToString());
        Assert.Empty(_sts.Calls);
    }

    [Fact]
    public async Task Requests_that_are_not_GraphQL_answer_in_GraphQLs_error_shape_and_the_route_needs_the_function_key()
    {
        using var form = await _http.PostAsync("/api/audit/graphql", new StringContent("query={}", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.StartsWith("Send Content-Type: application/json", Errors(await form.Content.ReadFromJsonAsync<JsonElement>())[0].Message);

        using var empty = await _http.PostAsync("/api/audit/graphql", new StringContent("{\"variables\": {}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.StartsWith("The body has no query", Errors(await empty.Content.ReadFromJsonAsync<JsonElement>())[0].Message);

        using var broken = await _http.PostAsync("/api/audit/graphql", new StringContent("{\"query\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);

        using var unknown = await PostAsyncRaw("{ getAllExportConfigurations { id secretAccessKey } }");
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Contains("secretAccessKey", Errors(await unknown.Content.ReadFromJsonAsync<JsonElement>())[0].Message);

        // Aliases cannot turn one request into thousands of table scans.
        var aliases = string.Join(" ", Enumerable.Range(1, 11).Select(i => $"a{i}: getAllExportConfigurations {{ id }}"));
        var (_, many, _) = await PostAsync($"{{ {aliases} }}");
        Assert.Contains(Errors(many), e => e.Code == "TOO_MANY_OPERATIONS" && e.Message == "A request may run at most 10 operations; send the rest in another request.");
        var (_, ten, _) = await PostAsync($"{{ {string.Join(" ", Enumerable.Range(1, 10).Select(i => $"a{i}: getAllExportConfigurations {{ id }}"))} }}");
        Assert.False(ten.TryGetProperty("errors", out _), ten.ToString());

        using var noKey = _handler.FrontDoor.CreateClient(withKey: false);
        using var refused = await noKey.PostAsync("/api/audit/graphql", new StringContent("{\"query\": \"{ getAllExportConfigurations { id } }\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsyncRaw(string query) =>
        _http.PostAsync("/api/audit/graphql", new StringContent(new JsonObject { ["query"] = query }.ToJsonString(), Encoding.UTF8, "application/json"));
}
