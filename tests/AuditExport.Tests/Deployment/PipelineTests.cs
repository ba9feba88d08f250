using System.Diagnostics;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;
using YamlDotNet.RepresentationModel;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// What can be checked of the Azure Pipelines definition without Azure DevOps: both YAML files parsed, service
/// connections known when a run is queued, Flex Consumption told to the deploy task, the README's test command
/// run, and the secret guard script exercised for real.
/// </summary>
public sealed partial class PipelineTests
{
    private static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryLayout.Root, path));

    private static YamlMappingNode Parse(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Every step (a mapping with task or script) anywhere in the document.</summary>
    private static IEnumerable<YamlMappingNode> Steps(YamlNode node) => node switch
    {
        YamlMappingNode map when map.Children.ContainsKey("task") || map.Children.ContainsKey("script") =>
            [map, .. map.Children.Values.SelectMany(Steps)],
        YamlMappingNode map => map.Children.Values.SelectMany(Steps),
        YamlSequenceNode list => list.Children.SelectMany(Steps),
        _ => [],
    };

    private static string? Input(YamlMappingNode step, string name) =>
        step.Children.TryGetValue("inputs", out var inputs) && ((YamlMappingNode)inputs).Children.TryGetValue(name, out var value) ? ((YamlScalarNode)value).Value : null;

    private static string TaskName(YamlMappingNode step) => ((YamlScalarNode)step.Children["task"]).Value!;

    [Fact]
    public void Service_connections_are_compile_time_values_never_runtime_macros()
    {
        var pipeline = Parse("azure-pipelines.yml");
        var deploy = Parse(".pipelines/deploy.yml");
        var declared = ((YamlSequenceNode)pipeline.Children["parameters"]).Children.Cast<YamlMappingNode>().Select(p => ((YamlScalarNode)p.Children["name"]).Value).ToHashSet();
        var connections = Steps(pipeline).Concat(Steps(deploy))
            .Select(step => Input(step, "azureSubscription") ?? Input(step, "connectedServiceNameARM") ?? Input(step, "azureResourceManagerConnection"))
            .Where(c => c is not null).ToList();
        Assert.True(connections.Count >= 3, $"expected the validate, infrastructure and package steps to name a connection; found {connections.Count}");
        foreach (var connection in connections)
        {
            Assert.DoesNotContain("$(", connection!); // a runtime macro is never expanded for service connections
            var parameter = TemplateParameter().Match(connection!);
            Assert.True(parameter.Success, $"'{connection}' is not a template parameter expression");
        }
        Assert.Contains("devServiceConnection", declared);
        Assert.Contains("prodServiceConnection", declared);
        var deployParameters = ((YamlSequenceNode)deploy.Children["parameters"]).Children.Cast<YamlMappingNode>().Select(p => ((YamlScalarNode)p.Children["name"]).Value);
        Assert.Contains("serviceConnection", deployParameters);
    }

    [GeneratedRegex(@"^\$\{\{\s*parameters\.\w+\s*\}\}$")]
    private static partial Regex TemplateParameter();

    [Fact]
    public void The_package_is_deployed_to_Flex_Consumption_with_the_flex_inputs()
    {
        var step = Steps(Parse(".pipelines/deploy.yml")).Single(s => s.Children.ContainsKey("task") && TaskName(s).StartsWith("AzureFunctionApp@", StringComparison.Ordinal));
        Assert.Equal("AzureFunctionApp@2", TaskName(step));
        Assert.Equal("functionAppLinux", Input(step, "appType"));
        Assert.Equal("true", Input(step, "isFlexConsumption"));
        Assert.EndsWith("/audit-export.zip", Input(step, "package"));
    }

    [Fact]
    public void The_test_step_runs_the_README_test_command_and_every_script_named_exists()
    {
        var readmeCommand = Regex.Match(Read("README.md"), @"^(scripts/test\.sh)\s", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("scripts/test.sh", readmeCommand);
        var pipeline = Parse("azure-pipelines.yml");
        var scripts = Steps(pipeline).Where(s => s.Children.ContainsKey("script")).Select(s => ((YamlScalarNode)s.Children["script"]).Value!).ToList();
        Assert.Contains(scripts, s => s.StartsWith(readmeCommand + " ", StringComparison.Ordinal) || s == readmeCommand);
        Assert.Contains(readmeCommand, Read(".ci/run"));
        foreach (Match script in Script().Matches(Read("azure-pipelines.yml") + Read(".pipelines/deploy.yml")))
        {
            Assert.True(File.Exists(Path.Combine(RepositoryLayout.Root, script.Value)), $"{script.Value} does not exist");
        }
        var inline = Steps(pipeline).Concat(Steps(Parse(".pipelines/deploy.yml"))).Select(s => Input(s, "inlineScript")).Where(s => s?.Contains("bicepparam", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, inline.Count); // what-if and deploy
        Assert.All(inline, s => Assert.Contains("source $(Build.SourcesDirectory)/scripts/pipeline-secrets.sh", s!));
    }

    [GeneratedRegex(@"scripts/[\w.-]+\.sh")]
    private static partial Regex Script();

    [Theory]
    [InlineData("k1:key", "$(EXPORTER_AWS_ACCESS_KEY_ID)", "$(EXPORTER_AWS_SECRET_ACCESS_KEY)", 0, "aws=unset alert=unset")]
    [InlineData("k1:key", "AKID", "SECRET", 0, "aws=AKID")]
    [InlineData("k1:key", "AKID", "$(EXPORTER_AWS_SECRET_ACCESS_KEY)", 1, "both")]
    [InlineData("$(SECRET_PROTECTION_KEYS)", "", "", 1, "SECRET_PROTECTION_KEYS is not set")]
    [InlineData("k1:key", "", "", 1, "API_CLIENT_ID is not set", "$(API_CLIENT_ID)")]
    public void Undefined_pipeline_secrets_never_reach_Bicep_as_literal_macro_text(string keys, string awsId, string awsSecret, int exitCode, string expected,
        string apiClientId = "11111111-2222-3333-4444-555555555555")
    {
        var info = new ProcessStartInfo("bash", ["-c", "source scripts/pipeline-secrets.sh && echo \"aws=${EXPORTER_AWS_ACCESS_KEY_ID-unset} alert=${ALERT_EMAIL-unset}\""])
        {
            WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        info.Environment["SECRET_PROTECTION_KEYS"] = keys;
        info.Environment["DIGEST_SIGNING_KEYS"] = "s1:key";
        info.Environment["API_CLIENT_ID"] = apiClientId;
        info.Environment["ALERT_EMAIL"] = "$(ALERT_EMAIL)"; // optional and undefined: dropped, so Bicep takes its default
        info.Environment["EXPORTER_AWS_ACCESS_KEY_ID"] = awsId;
        info.Environment["EXPORTER_AWS_SECRET_ACCESS_KEY"] = awsSecret;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(expected, output);
    }

    /// <summary>
    /// The key ring is written by a first deployment only. With a stand-in `az` that answers as Resource Manager would
    /// (the vault and its secret exist, or not), the script keeps the pipeline's ring away from a vault that has one.
    /// </summary>
    [Theory]
    [InlineData(true, "k1:old", 0, "keys=[] signing=[]")]
    [InlineData(true, "", 0, "keys=[] signing=[]")]
    [InlineData(false, "k1:first", 0, "keys=[k1:first] signing=[s1:first]")]
    [InlineData(false, "", 1, "SECRET_PROTECTION_KEYS is not set and the environment's Key Vault holds no key ring yet")]
    // An environment deployed before digests: its vault has the secret-protection ring, not the signing ring.
    [InlineData(true, "", 1, "DIGEST_SIGNING_KEYS is not set and the environment's Key Vault holds no digest signing key ring yet", false)]
    [InlineData(true, "k1:first", 0, "keys=[] signing=[s1:first]", false)]
    public void A_deployment_writes_a_key_ring_only_where_the_vault_has_none(bool vaultHasRing, string keys, int exitCode, string expected, bool? vaultHasSigningRing = null)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Fail("This test runs the pipeline's bash script; the build machines run Linux.");
            return;
        }
        var bin = Directory.CreateTempSubdirectory("fake-az-").FullName;
        try
        {
            var az = Path.Combine(bin, "az");
            File.WriteAllText(az, $$"""
                #!/usr/bin/env bash
                case "$*" in
                  *"resource list"*) echo "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-test" ;;
                  *"resource show"*"secrets/secret-protection-keys"*) {{(vaultHasRing ? "echo found" : "echo 'ResourceNotFound' >&2; exit 3")}} ;;
                  *"resource show"*"secrets/digest-signing-keys"*) {{(vaultHasSigningRing ?? vaultHasRing ? "echo found" : "echo 'ResourceNotFound' >&2; exit 3")}} ;;
                  *) exit 9 ;;
                esac
                """);
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var info = new ProcessStartInfo("bash", ["-c", "source scripts/pipeline-secrets.sh && echo \"keys=[$SECRET_PROTECTION_KEYS] signing=[$DIGEST_SIGNING_KEYS]\""])
            {
                WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            info.Environment["PATH"] = bin + ":" + info.Environment["PATH"];
            info.Environment["RESOURCE_GROUP"] = "rg-audit-export-test";
            info.Environment["SECRET_PROTECTION_KEYS"] = keys;
            info.Environment["DIGEST_SIGNING_KEYS"] = keys.Replace("k1:", "s1:");
            info.Environment["API_CLIENT_ID"] = "11111111-2222-3333-4444-555555555555";
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();

            Assert.True(exitCode == process.ExitCode, output);
            Assert.Contains(expected, output);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void After_the_package_the_deployment_refreshes_Key_Vault_references_and_waits_for_health()
    {
        var deploy = File.ReadAllText(Path.Combine(RepositoryLayout.Root, ".pipelines", "deploy.yml"));
        var package = deploy.IndexOf("AzureFunctionApp@2", StringComparison.Ordinal);
        var refresh = deploy.IndexOf("config/configreferences/appsettings/refresh", StringComparison.Ordinal);
        var health = deploy.IndexOf("/api/health", StringComparison.Ordinal);

        Assert.True(package > 0 && refresh > package && health > refresh, "package, then refresh, then the health check");
        Assert.Contains("exit 1", deploy[health..]); // an app that never reports healthy fails the deployment
    }
}
