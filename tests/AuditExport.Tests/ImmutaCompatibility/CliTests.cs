using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Cli;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// The audit-export CLI with Immuta's exportConfig verbs and JSON files, against the handler through the host
/// stand-in (function key and Entra token checked), s3rver and the loopback STS.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class CliTests(EmulatorsFixture emulators) : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/immuta-cli-export";
    private HandlerWithSts _api = null!;
    private FakeStsServer _sts = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("cli-").FullName;
    private Dictionary<string, string?> _environment = null!;

    public async Task InitializeAsync()
    {
        _api = await HandlerWithSts.StartAsync(emulators);
        _sts = _api.Sts;
        var frontDoor = _api.Handler.FrontDoor;
        _environment = new()
        {
            [ApiConnection.UrlVariable] = frontDoor.BaseAddress.AbsoluteUri,
            [ApiConnection.KeyVariable] = frontDoor.FunctionKey,
            [ApiConnection.TokenVariable] = frontDoor.IssueToken(FrontDoor.LocalAdmin),
            ["HOME"] = _folder, // profiles are looked up here, never in the real home folder
        };
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => RunWithAsync(null, null, args);

    private async Task<(int Exit, string Output, string Error)> RunWithAsync(string? input, Azure.Core.TokenCredential? credential, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new Cli.Cli.Context(output, error, new StringReader(input ?? ""), name => _environment.GetValueOrDefault(name), Credential: credential);
        var exit = await Cli.Cli.RunAsync(args, context, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private static JsonElement Answer(string output, string mutation) =>
        JsonDocument.Parse(output).RootElement.GetProperty("data").GetProperty(mutation);

    private string File(string name, JsonObject content)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, content.ToJsonString());
        return path;
    }

    private JsonObject Emulator(JsonObject file)
    {
        file["endpoint"] = emulators.S3Endpoint.AbsoluteUri;
        file["forcePathStyle"] = true;
        return file;
    }

    [Fact]
    public async Task Immutas_access_key_file_creates_a_configuration_and_the_other_verbs_manage_it()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        // Immuta's ./exportConfig.json, with the emulator's endpoint added.
        var file = File("exportConfig.json", Emulator(new JsonObject
        {
            ["interval"] = "EVERY_12_HOURS", ["bucket"] = bucket, ["path"] = "immuta", ["region"] = "us-east-1",
            ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
        }));

        var (exit, output, error) = await RunAsync("audit", "exportConfig", "create:s3:accessKey", file);

        Assert.True(exit == ExitCodes.Ok, error);
        var created = Answer(output, "createS3AccessKeyExportConfiguration"); // Immuta's CLI prints the GraphQL answer
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());
        Assert.Equal("", error);
        Assert.DoesNotContain("\"secretAccessKey\"", output);

        var list = await RunAsync("exportConfig", "list");
        Assert.Equal(ExitCodes.Ok, list.Exit);
        var row = list.Output.Split('\n').Single(l => l.StartsWith(id, StringComparison.Ordinal));
        Assert.Matches($@"^{id}\s+EVERY_12_HOURS\s+yes\s+\w+\s+s3://{bucket}/immuta \(key\)\s+SUCCESS\s*$", row);
        Assert.StartsWith("ID ", list.Output);

        var listJson = await RunAsync("exportConfig", "list", "--json");
        Assert.Contains(JsonDocument.Parse(listJson.Output).RootElement.EnumerateArray(), c => c.GetProperty("id").GetString() == id);

        var update = File("update.json", Emulator(new JsonObject
        {
            ["interval"] = "EVERY_4_HOURS", ["bucket"] = bucket, ["path"] = "immuta", ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER",
        }));
        var updated = await RunAsync("exportConfig", "update", id, update);
        Assert.True(updated.Exit == ExitCodes.Ok, updated.Error);
        Assert.Equal("EVERY_4_HOURS", JsonDocument.Parse(updated.Output).RootElement.GetProperty("interval").GetString());

        Assert.False(Answer((await RunAsync("exportConfig", "disable", id)).Output, "disableExportConfiguration").GetProperty("enabled").GetBoolean());
        Assert.True(Answer((await RunAsync("exportConfig", "enable", id)).Output, "enableExportConfiguration").GetProperty("enabled").GetBoolean());
        var tested = await RunAsync("exportConfig", "test", id);
        Assert.Equal(ExitCodes.Ok, tested.Exit);
        Assert.StartsWith("ID ", tested.Output); // a table, like list
        var got = await RunAsync("exportConfig", "get", id, "--json");
        Assert.Equal(id, JsonDocument.Parse(got.Output).RootElement.GetProperty("id").GetString());
        var exported = await RunAsync("exportConfig", "export-now", id);
        Assert.True(exported.Exit == ExitCodes.Ok, exported.Error);
        Assert.StartsWith("JOB ", exported.Output);
        var jobs = await RunAsync("exportConfig", "jobs", id);
        Assert.Equal(ExitCodes.Ok, jobs.Exit);
        Assert.True(jobs.Output.StartsWith("JOB ", StringComparison.Ordinal) || jobs.Output.Trim() == "No export jobs yet.", jobs.Output);

        var deleted = await RunAsync("exportConfig", "delete", id);
        Assert.Equal((ExitCodes.Ok, id), (deleted.Exit, Answer(deleted.Output, "deleteExportConfiguration").GetProperty("id").GetString()));
        var gone = await RunAsync("exportConfig", "get", id);
        Assert.Equal(ExitCodes.ApiError, gone.Exit);
        Assert.Equal($"error: HTTP 404: Export configuration not found.{Environment.NewLine}  There is no export configuration {id}.", gone.Error.Trim());
    }

    [Fact]
    public async Task Immutas_assumed_role_file_warns_with_the_external_id_to_trust_and_test_exits_4_until_the_trust_exists()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var file = File("exportConfig.json", Emulator(new JsonObject
        {
            ["interval"] = "EVERY_12_HOURS", ["bucket"] = bucket, ["path"] = "immuta", ["region"] = "us-east-1", ["roleArn"] = RoleArn,
        }));

        var (exit, output, error) = await RunAsync("exportConfig", "create:s3:assumedRole", file);

        Assert.Equal(ExitCodes.Ok, exit); // stored, as Immuta does, whatever the test found
        // Field for field the answer Immuta's how-to shows after this command (seed 000, lines 650–666).
        var created = Answer(output, "createS3AssumedRoleExportConfiguration");
        Assert.Equal(["id", "interval", "enabled", "connectionStatus", "endpointConfiguration"], created.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["__typename", "bucket", "path", "region"], created.GetProperty("endpointConfiguration").EnumerateObject().Select(p => p.Name));
        Assert.Equal("S3AssumedRoleEndpointConfiguration", created.GetProperty("endpointConfiguration").GetProperty("__typename").GetString());
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith($"warning: created {id}, but its connection test failed: Error testing access to S3 using AssumedRole {RoleArn} - ", error);
        Assert.EndsWith($"Let the role trust ExternalId {id}, then run: audit-export exportConfig test {id}", error.Trim());

        Assert.Equal(ExitCodes.DestinationFailed, (await RunAsync("exportConfig", "test", id)).Exit);
        _sts.Trust[RoleArn] = id;
        Assert.Equal(ExitCodes.Ok, (await RunAsync("exportConfig", "test", id)).Exit);
    }

    [Fact]
    public async Task Mistakes_exit_with_a_code_a_script_can_tell_apart_and_say_what_to_do()
    {
        var file = File("bad.json", new JsonObject { ["interval"] = "HOURLY", ["bucket"] = "Bad_Bucket", ["region"] = "us-east-1", ["roleArn"] = RoleArn });
        var refused = await RunAsync("exportConfig", "create:s3:assumedRole", file);
        Assert.Equal(ExitCodes.ApiError, refused.Exit);
        Assert.StartsWith("error: HTTP 400: The S3AssumedRole configuration is not valid.", refused.Error);
        Assert.Contains("  interval: must be one of EVERY_2_HOURS", refused.Error);
        Assert.Contains("  bucket: ", refused.Error);

        Assert.Equal(ExitCodes.Usage, (await RunAsync("exportConfig", "get", "not-an-id")).Exit);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("exportConfig", "create:s3:accessKey", Path.Combine(_folder, "missing.json"))).Exit);
        System.IO.File.WriteAllText(Path.Combine(_folder, "broken.json"), "{\"interval\": ");
        var broken = await RunAsync("exportConfig", "create:s3:accessKey", Path.Combine(_folder, "broken.json"));
        Assert.Equal(ExitCodes.Usage, broken.Exit);
        Assert.Contains("broken.json is not JSON", broken.Error);
        var unknown = await RunAsync("exportConfig", "create:gcs", file);
        Assert.Equal(ExitCodes.Usage, unknown.Exit);
        Assert.Contains("Unrecognized command or argument 'create:gcs'", unknown.Error);
        var badOption = await RunAsync("exportConfig", "list", "--colour");
        Assert.Equal(ExitCodes.Usage, badOption.Exit);
        Assert.Contains("'--colour'", badOption.Error); // the error names the option

        var help = await RunAsync("exportConfig", "--help");
        Assert.Equal(ExitCodes.Ok, help.Exit);
        Assert.Contains("create:s3:accessKey", help.Output);
        Assert.Contains("create:adls:sasToken", help.Output);
        var verbHelp = await RunAsync("exportConfig", "update", "--help");
        Assert.Contains("--if-match", verbHelp.Output);

        _environment[ApiConnection.KeyVariable] = "wrong-key";
        var wrongKey = await RunAsync("exportConfig", "list");
        Assert.Equal(ExitCodes.ApiError, wrongKey.Exit);
        Assert.Contains("HTTP 401", wrongKey.Error);
        Assert.Contains(ApiConnection.KeyVariable, wrongKey.Error);

        _environment[ApiConnection.UrlVariable] = null;
        var noUrl = await RunAsync("exportConfig", "list");
        Assert.Equal(ExitCodes.Usage, noUrl.Exit);
        Assert.Contains(ApiConnection.UrlVariable, noUrl.Error);

        var closed = await RunAsync("exportConfig", "list", "--url", $"http://127.0.0.1:{Emulators.FreePort()}");
        Assert.Equal(ExitCodes.Unreachable, closed.Exit);
        Assert.StartsWith("error: cannot reach http://127.0.0.1:", closed.Error);
    }

    [Fact]
    public async Task Immutas_adls_file_creates_with_create_adls_sasToken_and_answers_in_Immutas_shape()
    {
        var container = EmulatorsFixture.UniqueName("cli-adls-");
        await emulators.CreateContainerAsync(container);
        // Immuta's ./your-exportConfig.json for ADLS (immuta-reference.md, section 4), with the emulator's endpoint added.
        var file = File("your-exportConfig.json", new JsonObject
        {
            ["interval"] = "EVERY_12_HOURS", ["storageAccount"] = AuditExport.Storage.StorageConnection.DevelopmentAccountName, ["fileSystem"] = container,
            ["path"] = "immuta-audit", ["sasToken"] = AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddDays(1)),
            ["endpoint"] = emulators.BlobService().Uri.AbsoluteUri,
        });

        var (exit, output, error) = await RunAsync("audit", "exportConfig", "create:adls:sasToken", file);

        Assert.True(exit == ExitCodes.Ok, error);
        var created = Answer(output, "createAdlsSasTokenEndpointConfiguration");
        Assert.Equal(["id", "interval", "enabled", "connectionStatus", "endpointConfiguration"], created.EnumerateObject().Select(p => p.Name));
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());
        var endpoint = created.GetProperty("endpointConfiguration");
        Assert.Equal(["__typename", "storageAccount", "fileSystem", "path"], endpoint.EnumerateObject().Select(p => p.Name));
        Assert.Equal((container, "immuta-audit"), (endpoint.GetProperty("fileSystem").GetString(), endpoint.GetProperty("path").GetString()));
        Assert.DoesNotContain("sig=", output);
    }

    /// <summary>Stands in for DefaultAzureCredential (the Azure CLI's sign-in): records the scopes asked for.</summary>
    private sealed class RecordingCredential(string token) : Azure.Core.TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new Azure.Core.AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task Configure_keeps_a_profile_readable_by_its_owner_only_and_the_token_comes_through_the_credential()
    {
        var frontDoor = _api.Handler.FrontDoor;
        var config = Path.Combine(_folder, "profiles", "config.json");
        _environment["MY_AUDIT_KEY"] = frontDoor.FunctionKey;
        foreach (var name in new[] { ApiConnection.UrlVariable, ApiConnection.KeyVariable, ApiConnection.TokenVariable })
        {
            _environment[name] = null;
        }

        var configured = await RunAsync("configure", "--config", config, "-p", "staging", "--url", frontDoor.BaseAddress.AbsoluteUri,
            "--key-reference", "env:MY_AUDIT_KEY", "--app-id", "7d1c5b0a-0000-4000-8000-0000000000a1");

        Assert.True(configured.Exit == ExitCodes.Ok, configured.Error);
        if (OperatingSystem.IsWindows())
        {
            Assert.Fail("This test checks Unix file modes; the build machines run Linux.");
            return;
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(Path.GetDirectoryName(config)!));
        var stored = System.IO.File.ReadAllText(config);
        Assert.Contains("env:MY_AUDIT_KEY", stored);
        Assert.DoesNotContain(frontDoor.FunctionKey, stored);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("configure", "--config", config, "--url", frontDoor.BaseAddress.AbsoluteUri, "--key", "k")).Exit); // never the key itself

        var credential = new RecordingCredential(frontDoor.IssueToken(FrontDoor.LocalAdmin));
        var listed = await RunWithAsync(null, credential, "exportConfig", "list", "--config", config, "--profile", "staging");

        Assert.True(listed.Exit == ExitCodes.Ok, listed.Error);
        Assert.Equal(["api://7d1c5b0a-0000-4000-8000-0000000000a1/.default"], credential.Scopes);
        var missing = await RunWithAsync(null, credential, "exportConfig", "list", "--config", config, "-p", "production");
        Assert.Equal(ExitCodes.Usage, missing.Exit);
        Assert.Contains("There is no profile 'production'", missing.Error);
    }

    [Fact]
    public async Task A_file_can_come_from_standard_input_and_update_honours_if_match()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var json = Emulator(new JsonObject
        {
            ["interval"] = "EVERY_12_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
        }).ToJsonString();

        var created = await RunWithAsync(json, null, "exportConfig", "create:s3:accessKey", "-");

        Assert.True(created.Exit == ExitCodes.Ok, created.Error);
        var id = Answer(created.Output, "createS3AccessKeyExportConfiguration").GetProperty("id").GetString()!;
        var etag = JsonDocument.Parse((await RunAsync("exportConfig", "get", id, "--json")).Output).RootElement.GetProperty("etag").GetString()!;
        var change = Emulator(new JsonObject { ["interval"] = "EVERY_6_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER" }).ToJsonString();
        Assert.Equal(ExitCodes.Ok, (await RunWithAsync(change, null, "exportConfig", "update", id, "-", "--if-match", etag)).Exit);

        var stale = await RunWithAsync(change, null, "exportConfig", "update", id, "-", "--if-match", etag);

        Assert.Equal(ExitCodes.ApiError, stale.Exit);
        Assert.StartsWith("error: HTTP 412", stale.Error);
        var broken = await RunWithAsync("{\"interval\":", null, "exportConfig", "create:s3:accessKey", "-");
        Assert.Equal(ExitCodes.Usage, broken.Exit);
        Assert.Contains("standard input is not JSON", broken.Error);
    }
}
