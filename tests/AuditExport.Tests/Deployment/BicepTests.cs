using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// Checks of the Bicep that can run without the Bicep CLI or Azure (neither is reachable here): structure,
/// security settings, role assignments, and that the app settings agree with what the code reads.
/// </summary>
public sealed partial class BicepTests
{
    private static readonly string Folder = Path.Combine(RepositoryLayout.Root, "infra-bicep");

    private static string Read(string relative) => File.ReadAllText(Path.Combine(Folder, relative));

    /// <summary>Settings the host, its extensions or an SDK read, so the handler's code never names them.</summary>
    private static bool ReadOutsideTheHandler(string name) =>
        name.StartsWith("AzureWebJobsStorage", StringComparison.Ordinal) || name.StartsWith("EventHubConnection", StringComparison.Ordinal)
        || name.StartsWith("APPLICATIONINSIGHTS_", StringComparison.Ordinal) || name.StartsWith("FUNCTIONS_", StringComparison.Ordinal)
        || name.StartsWith("WEBSITE_", StringComparison.Ordinal) || name.StartsWith("AWS_", StringComparison.Ordinal)
        || name is "AZURE_CLIENT_ID" or "IsEncrypted";

    private static HashSet<string> BindingExpressions() =>
        Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .SelectMany(f => Expression().Matches(File.ReadAllText(f))).Select(m => m.Groups[1].Value).ToHashSet();

    private static bool Used(string setting, IReadOnlySet<string> read) =>
        read.Contains(setting) || read.Contains(setting.Split("__")[0]) || ReadOutsideTheHandler(setting) || BindingExpressions().Contains(setting);

    private static HashSet<string> BicepAppSettings() =>
        AppSetting().Matches(Read("modules/functionapp.bicep")).Select(m => m.Groups[1].Value).ToHashSet();

    [Fact]
    public void Every_setting_the_code_reads_is_set_by_Bicep_or_documented_with_its_default()
    {
        var read = SettingsInCode.Read();
        var bicep = BicepAppSettings();
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        foreach (var setting in read)
        {
            var inBicep = bicep.Contains(setting) || bicep.Any(b => b.StartsWith(setting + "__", StringComparison.Ordinal));
            var documented = readme.Split('\n').Any(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Split('|')[1].Contains($"`{setting}`", StringComparison.Ordinal));
            Assert.True(inBicep || documented,
                $"{setting} is read by the code but neither set in functionapp.bicep nor listed in README's configuration table");
        }
        foreach (var required in new[] { "SecretProtectionKeys", "AllowCustomEndpoints", "AuditStorage__tableServiceUri", "AuditStorage__blobServiceUri" })
        {
            Assert.Contains(required, bicep);
        }
    }

    [Fact]
    public void Nothing_in_Bicep_or_the_settings_sample_is_unused()
    {
        var read = SettingsInCode.Read();
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "local.settings.sample.json")))
            .RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name);
        var unused = BicepAppSettings().Concat(sample).Where(s => !Used(s, read)).Distinct().ToList();
        Assert.True(unused.Count == 0, "set but never read: " + string.Join(", ", unused));
        Assert.Contains("EventHubName", BicepAppSettings()); // every %Name% in function.json is set in Azure too
        Assert.Contains("EventHubConsumerGroup", BicepAppSettings());
    }

    [Fact]
    public void Connections_are_identity_based_and_secrets_are_Key_Vault_references()
    {
        var app = Read("modules/functionapp.bicep");
        foreach (var setting in new[] { "AzureWebJobsStorage__credential", "EventHubConnection__fullyQualifiedNamespace", "EventHubConnection__credential", "EventHubConnection__clientId", "AuditStorage__clientId" })
        {
            Assert.Contains($"name: '{setting}'", app);
        }
        Assert.DoesNotContain("AccountKey=", app);
        Assert.DoesNotContain("listKeys(", string.Concat(Directory.GetFiles(Folder, "*.bicep", SearchOption.AllDirectories).Select(File.ReadAllText)));
        Assert.Matches(new Regex(@"name: 'SecretProtectionKeys', value: '@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=\$\{secretProtectionKeysSecretName\}\)'"), app);
        Assert.Matches(new Regex(@"name: 'AllowCustomEndpoints', value: 'false'"), app);
        Assert.Contains("runtime: { name: 'custom', version: '1.0' }", app);
        Assert.Contains("keyVaultReferenceIdentity: identityId", app);
    }

    [Fact]
    public void Storage_key_vault_and_event_hubs_are_locked_down()
    {
        var storage = Read("modules/storage.bicep");
        Assert.Contains("allowSharedKeyAccess: false", storage);
        Assert.Contains("minimumTlsVersion: 'TLS1_2'", storage);
        Assert.Contains("allowBlobPublicAccess: false", storage);
        Assert.Contains("enableRbacAuthorization: true", Read("modules/keyvault.bicep"));
        Assert.Contains("disableLocalAuth: true", Read("modules/eventhubs.bicep"));
        Assert.Contains("param partitionCount int", Read("modules/eventhubs.bicep"));
    }

    [Fact]
    public void Role_assignments_are_least_privilege_and_named_guid_of_scope_principal_and_role()
    {
        var roles = Read("modules/roles.bicep");
        var assignments = RoleAssignment().Matches(roles);
        Assert.Equal(6, assignments.Count);
        foreach (Match assignment in assignments)
        {
            Assert.Equal($"{assignment.Groups["scope"].Value}.id", assignment.Groups["scopeArg"].Value);
            Assert.Equal(assignment.Groups["role"].Value, assignment.Groups["roleArg"].Value);
        }
        var granted = assignments.Select(a => a.Groups["role"].Value).ToHashSet();
        Assert.Equal(["eventHubsDataReceiver", "keyVaultSecretsUser", "monitoringMetricsPublisher", "storageBlobDataOwner", "storageQueueDataContributor", "storageTableDataContributor"],
            granted.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("Owner'", roles.Replace("storageBlobDataOwner", "")); // no control-plane owner or contributor role
    }

    [Fact]
    public void Every_module_and_every_environment_parameter_exists_and_outputs_name_the_app()
    {
        var main = Read("main.bicep");
        foreach (Match module in ModulePath().Matches(main))
        {
            Assert.True(File.Exists(Path.Combine(Folder, module.Groups[1].Value)), $"missing module {module.Groups[1].Value}");
        }
        var parameters = Param().Matches(main).Select(m => m.Groups[1].Value).ToHashSet();
        var environments = Directory.GetFiles(Path.Combine(Folder, "environments"), "*.bicepparam");
        Assert.Contains(environments, e => e.EndsWith("dev.bicepparam"));
        Assert.Contains(environments, e => e.EndsWith("prod.bicepparam"));
        foreach (var file in environments)
        {
            var text = File.ReadAllText(file);
            Assert.Contains("using '../main.bicep'", text);
            foreach (Match assigned in ParamAssignment().Matches(text))
            {
                Assert.True(parameters.Contains(assigned.Groups[1].Value), $"{Path.GetFileName(file)} sets {assigned.Groups[1].Value}, which main.bicep does not declare");
            }
            Assert.Contains("param secretProtectionKeys = readEnvironmentVariable(", text); // never a literal secret
        }
        Assert.Contains("output functionAppName string", main);
        Assert.Contains("output functionAppUrl string", main);
        var config = JsonDocument.Parse(Read("bicepconfig.json")).RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(config.GetProperty("enabled").GetBoolean());
        Assert.Equal("error", config.GetProperty("rules").GetProperty("outputs-should-not-contain-secrets").GetProperty("level").GetString());
    }

    [GeneratedRegex(@"\{ name: '([A-Za-z0-9_]+)', value:")]
    private static partial Regex AppSetting();

    [GeneratedRegex("%(\\w+)%")]
    private static partial Regex Expression();

    [GeneratedRegex(@"resource \w+ 'Microsoft\.Authorization/roleAssignments@[\d-]+' = \{\s*name: guid\((?<scopeArg>[\w.]+), principalId, roles\.(?<roleArg>\w+)\)\s*scope: (?<scope>\w+)\s*properties: \{\s*roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', roles\.(?<role>\w+)\)")]
    private static partial Regex RoleAssignment();

    [GeneratedRegex(@"^module \w+ '([^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModulePath();

    [GeneratedRegex(@"^param (\w+)", RegexOptions.Multiline)]
    private static partial Regex Param();

    [GeneratedRegex(@"^param (\w+) =", RegexOptions.Multiline)]
    private static partial Regex ParamAssignment();
}
