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
[Collection(EmulatorsCollection.Name)]
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
            [CliOptions.UrlVariable] = frontDoor.BaseAddress.AbsoluteUri,
            [CliOptions.KeyVariable] = frontDoor.FunctionKey,
            [CliOptions.TokenVariable] = frontDoor.IssueToken(FrontDoor.LocalAdmin),
        };
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Cli.Cli.RunAsync(args, output, error, name => _environment.GetValueOrDefault(name), CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

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
        using var created = JsonDocument.Parse(output);
        var id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("SUCCESS", created.RootElement.GetProperty("connectionStatus").GetString());
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

        Assert.False(JsonDocument.Parse((await RunAsync("exportConfig", "disable", id)).Output).RootElement.GetProperty("enabled").GetBoolean());
        Assert.True(JsonDocument.Parse((await RunAsync("exportConfig", "enable", id)).Output).RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(ExitCodes.Ok, (await RunAsync("exportConfig", "test", id)).Exit);
        var exported = await RunAsync("exportConfig", "export-now", id);
        Assert.True(exported.Exit == ExitCodes.Ok, exported.Error);
        var jobs = await RunAsync("exportConfig", "jobs", id);
        Assert.Equal(ExitCodes.Ok, jobs.Exit);
        Assert.True(jobs.Output.StartsWith("JOB ", StringComparison.Ordinal) || jobs.Output.Trim() == "No export jobs yet.", jobs.Output);

        var deleted = await RunAsync("exportConfig", "delete", id);
        Assert.Equal((ExitCodes.Ok, $"Deleted {id}."), (deleted.Exit, deleted.Output.Trim()));
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
        var id = JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;
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
        Assert.Contains("Unknown command exportConfig create:gcs", unknown.Error);

        var help = await RunAsync("--help");
        Assert.Equal(ExitCodes.Ok, help.Exit);
        Assert.Contains("create:s3:accessKey FILE", help.Output);

        _environment[CliOptions.KeyVariable] = "wrong-key";
        var wrongKey = await RunAsync("exportConfig", "list");
        Assert.Equal(ExitCodes.ApiError, wrongKey.Exit);
        Assert.Contains("HTTP 401", wrongKey.Error);
        Assert.Contains(CliOptions.KeyVariable, wrongKey.Error);

        _environment[CliOptions.UrlVariable] = null;
        var noUrl = await RunAsync("exportConfig", "list");
        Assert.Equal(ExitCodes.Usage, noUrl.Exit);
        Assert.Contains(CliOptions.UrlVariable, noUrl.Error);

        var closed = await RunAsync("exportConfig", "list", "--url", $"http://127.0.0.1:{Emulators.FreePort()}");
        Assert.Equal(ExitCodes.Unreachable, closed.Exit);
        Assert.StartsWith("error: cannot reach http://127.0.0.1:", closed.Error);
    }
}
