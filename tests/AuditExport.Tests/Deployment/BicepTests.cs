using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The deployment as Azure would receive it: infra-bicep compiled and linted by the real Bicep CLI, both
/// parameter files built, and the compiled ARM JSON checked for what a first real deployment needs.
/// </summary>
public sealed partial class BicepTests
{
    /// <summary>Lint warnings that stay, each with the reason. Anything else the linter says fails the test.</summary>
    private static readonly Dictionary<string, string> AcceptedWarnings = new()
    {
        // None today: every resource is on an API version the linter accepts. Add "rule:subject" with its reason here.
    };

    /// <summary>App settings Flex Consumption rejects or ignores (functionAppConfig replaces them).</summary>
    private static readonly string[] RejectedByFlex =
    [
        "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_WORKER_RUNTIME_VERSION", "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "FUNCTIONS_WORKER_PROCESS_COUNT", "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED", "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTOVERVNET", "WEBSITE_DNS_SERVER",
        "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT", "WEBSITE_NODE_DEFAULT_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_SKIP_CONTENTSHARE_VALIDATION", "WEBSITE_VNET_ROUTE_ALL",
    ];

    private static readonly Dictionary<string, string> PlaceholderSecrets = new()
    {
        ["SECRET_PROTECTION_KEYS"] = "k1:" + Convert.ToBase64String(new byte[32]),
        ["DIGEST_SIGNING_KEYS"] = "s1:" + Convert.ToBase64String(new byte[32]),
        ["API_CLIENT_ID"] = "11111111-2222-3333-4444-555555555555",
    };

    [Fact]
    public void Main_template_compiles_to_ARM_JSON()
    {
        Assert.Equal("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", CompiledTemplate.Main.GetProperty("$schema").GetString());
        Assert.Contains(CompiledTemplate.Resources, r => r.Resource.GetProperty("type").GetString() == "Microsoft.Web/sites");
    }

    [Fact]
    public void Lint_finds_no_error_and_no_warning_without_a_written_reason()
    {
        var result = BicepCli.Run(null, "lint", Path.Combine(CompiledTemplate.Folder, "main.bicep"));
        var unexplained = result.Diagnostics.Where(d => !AcceptedWarnings.Keys.Any(key => Accepts(d, key))).ToList();
        Assert.True(result.ExitCode == 0 && unexplained.Count == 0, "bicep lint:\n" + string.Join('\n', unexplained) + "\n" + BicepCli.Describe(result));
        foreach (var key in AcceptedWarnings.Keys)
        {
            Assert.True(result.Diagnostics.Any(d => Accepts(d, key)), $"{key} is no longer reported: drop it from the accepted warnings");
        }
    }

    private static bool Accepts(string diagnostic, string key)
    {
        var (rule, subject) = (key.Split(':', 2)[0], key.Split(':', 2)[1]);
        return diagnostic.Contains(" : Warning " + rule + ":", StringComparison.Ordinal) && diagnostic.Contains(subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Parameter_file_builds_with_secrets_from_the_environment(string environment)
    {
        var file = Path.Combine(CompiledTemplate.Folder, "environments", environment + ".bicepparam");
        var result = BicepCli.Run(PlaceholderSecrets, "build-params", file, "--stdout");
        Assert.True(result.ExitCode == 0, BicepCli.Describe(result));
        using var output = JsonDocument.Parse(result.Output);
        using var document = JsonDocument.Parse(output.RootElement.GetProperty("parametersJson").GetString()!);
        var parameters = document.RootElement.GetProperty("parameters");
        int Int(string name) => parameters.GetProperty(name).GetProperty("value").GetInt32();

        Assert.Equal(PlaceholderSecrets["SECRET_PROTECTION_KEYS"], parameters.GetProperty("secretProtectionKeys").GetProperty("value").GetString());
        Assert.Equal(PlaceholderSecrets["DIGEST_SIGNING_KEYS"], parameters.GetProperty("digestSigningKeys").GetProperty("value").GetString());
        Assert.Equal(PlaceholderSecrets["API_CLIENT_ID"], parameters.GetProperty("apiClientId").GetProperty("value").GetString());
        Assert.Equal("", parameters.GetProperty("awsAccessKeyId").GetProperty("value").GetString()); // unset optional secrets stay empty
        Assert.InRange(Int("maximumInstanceCount"), 40, 1000);
        Assert.True(Int("eventHubMaximumThroughputUnits") >= Int("eventHubThroughputUnits"));
        Assert.True(Int("eventHubMaximumThroughputUnits") >= Int("eventHubPartitionCount"), "auto-inflate should reach one throughput unit per partition");
    }

    [Fact]
    public void The_key_ring_is_written_to_Key_Vault_only_when_a_deployment_is_given_one_so_a_ring_rotated_there_is_never_replaced()
    {
        // Without SECRET_PROTECTION_KEYS (every deployment after the first; scripts/pipeline-secrets.sh sees to it) the ring is empty ...
        var result = BicepCli.Run(new Dictionary<string, string> { ["API_CLIENT_ID"] = PlaceholderSecrets["API_CLIENT_ID"] }, "build-params",
            Path.Combine(CompiledTemplate.Folder, "environments", "dev.bicepparam"), "--stdout");
        Assert.True(result.ExitCode == 0, result.Errors);

        // ... and an empty ring writes nothing: the vault's secret stays the one source of truth.
        var secret = CompiledTemplate.All("Microsoft.KeyVault/vaults/secrets").Single(r => r.GetProperty("properties").GetProperty("value").GetString()!.Contains("secretProtectionKeys", StringComparison.Ordinal));
        Assert.Equal("[not(empty(parameters('secretProtectionKeys')))]", secret.GetProperty("condition").GetString());
        Assert.Equal("", CompiledTemplate.Main.GetProperty("parameters").GetProperty("secretProtectionKeys").GetProperty("defaultValue").GetString());
        // The same for the digest signing ring.
        var signing = CompiledTemplate.All("Microsoft.KeyVault/vaults/secrets").Single(r => r.GetProperty("properties").GetProperty("value").GetString()!.Contains("digestSigningKeys", StringComparison.Ordinal));
        Assert.Equal("[not(empty(parameters('digestSigningKeys')))]", signing.GetProperty("condition").GetString());
        Assert.Equal("", CompiledTemplate.Main.GetProperty("parameters").GetProperty("digestSigningKeys").GetProperty("defaultValue").GetString());
    }

    [Fact]
    public void Entra_id_authentication_guards_every_route_but_the_anonymous_ones_and_the_handler_is_told_to_enforce_roles()
    {
        var auth = CompiledTemplate.Single("Microsoft.Web/sites/config");
        Assert.EndsWith("'authsettingsV2')]", auth.GetProperty("name").GetString());
        var properties = auth.GetProperty("properties");
        Assert.True(properties.GetProperty("platform").GetProperty("enabled").GetBoolean());
        var validation = properties.GetProperty("globalValidation");
        Assert.True(validation.GetProperty("requireAuthentication").GetBoolean());
        Assert.Equal("Return401", validation.GetProperty("unauthenticatedClientAction").GetString());
        var anonymous = AuditExport.LocalHost.FunctionAppLayout.Read().Http
            .Where(f => string.Equals(f.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase)).Select(f => "/api/" + f.Route).Order();
        Assert.Equal(anonymous, validation.GetProperty("excludedPaths").EnumerateArray().Select(p => p.GetString()!).Order());
        var aad = properties.GetProperty("identityProviders").GetProperty("azureActiveDirectory");
        Assert.True(aad.GetProperty("enabled").GetBoolean());
        Assert.Equal("[parameters('apiClientId')]", aad.GetProperty("registration").GetProperty("clientId").GetString());
        Assert.Contains("/v2.0", aad.GetProperty("registration").GetProperty("openIdIssuer").GetString());
        Assert.Contains("[format('api://{0}', parameters('apiClientId'))]", aad.GetProperty("validation").GetProperty("allowedAudiences").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains(CompiledTemplate.AppSettings(), s => s.Name == AuditExport.Api.Security.ApiAuthorization.SettingName && s.Value == AuditExport.Api.Security.ApiAuthorization.EntraId);
    }

    [Fact]
    public void The_app_is_Flex_Consumption_with_a_custom_runtime_and_identity_based_deployment_storage()
    {
        var plan = CompiledTemplate.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean());

        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        var config = site.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal("custom", config.GetProperty("runtime").GetProperty("name").GetString());
        var storage = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("UserAssignedIdentity", storage.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("[parameters('identityId')]", storage.GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
        var scale = config.GetProperty("scaleAndConcurrency");
        Assert.Equal("[parameters('maximumInstanceCount')]", scale.GetProperty("maximumInstanceCount").GetString());
        Assert.Equal("[parameters('instanceMemoryMB')]", scale.GetProperty("instanceMemoryMB").GetString());
        Assert.Equal("[parameters('identityId')]", site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
        Assert.True(site.GetProperty("properties").GetProperty("httpsOnly").GetBoolean());

        var main = CompiledTemplate.Main.GetProperty("parameters");
        Assert.Equal(40, main.GetProperty("maximumInstanceCount").GetProperty("minValue").GetInt32());
        Assert.Equal([512, 2048, 4096], main.GetProperty("instanceMemoryMB").GetProperty("allowedValues").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public void Nothing_in_the_site_is_a_setting_Flex_rejects_and_storage_redundancy_defaults_to_one_every_Flex_region_has()
    {
        // ARM error 51021: "the following site configuration properties for Flex Consumption sites is invalid: FtpsState".
        var siteConfig = CompiledTemplate.Single("Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig");
        Assert.DoesNotContain(siteConfig.EnumerateObject(), p => p.Name.Equals("ftpsState", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("ftpsState", CompiledTemplate.Main.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // Standard_ZRS fails in Flex regions without availability zones (RedundancyConfigurationNotAvailableInRegion).
        var parameter = CompiledTemplate.Main.GetProperty("parameters").GetProperty("storageSku");
        Assert.Equal("Standard_LRS", parameter.GetProperty("defaultValue").GetString());
        Assert.Contains("Standard_ZRS", parameter.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()));
        var account = CompiledTemplate.Single("Microsoft.Storage/storageAccounts");
        Assert.Equal("[parameters('skuName')]", account.GetProperty("sku").GetProperty("name").GetString());
    }

    [Fact]
    public void App_settings_avoid_what_Flex_rejects_and_every_connection_is_identity_based_and_complete()
    {
        var settings = CompiledTemplate.AppSettings();
        var names = settings.Select(s => s.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Empty(names.Intersect(RejectedByFlex));
        foreach (var connection in new[] { "AzureWebJobsStorage", "AuditStorage", "EventHubConnection" })
        {
            Assert.Equal("managedidentity", Value(settings, connection + "__credential"));
            Assert.Equal("[parameters('identityClientId')]", Value(settings, connection + "__clientId"));
        }
        Assert.Contains("AuditStorage__tableServiceUri", names);
        Assert.Contains("AuditStorage__blobServiceUri", names);
        Assert.Contains("EventHubConnection__fullyQualifiedNamespace", names);
        Assert.DoesNotContain(settings, s => s.Value.Contains("AccountKey=", StringComparison.Ordinal) || s.Value.Contains("SharedAccessKey", StringComparison.Ordinal));
        Assert.Equal("false", Value(settings, "AllowCustomEndpoints"));
        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", Value(settings, "SecretProtectionKeys"));
        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", Value(settings, "DigestSigningKeys"));
        Assert.All(settings.Where(s => s.Name.StartsWith("AWS_", StringComparison.Ordinal)), s =>
        {
            Assert.True(s.Conditional, $"{s.Name} must only be set when the credentials exist");
            Assert.Contains("@Microsoft.KeyVault(", s.Value);
        });
        Assert.Equal(2, settings.Count(s => s.Name.StartsWith("AWS_", StringComparison.Ordinal)));
    }

    private static string Value(IReadOnlyList<(string Name, string Value, bool Conditional)> settings, string name) =>
        settings.SingleOrDefault(s => s.Name == name).Value ?? throw new Xunit.Sdk.XunitException($"app setting {name} is missing");

    [Fact]
    public void Role_assignments_use_the_intended_built_in_roles_each_on_the_one_resource_that_needs_it()
    {
        var expected = new Dictionary<string, string>
        {
            ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Microsoft.Storage/storageAccounts", // Storage Blob Data Owner: host leases, deployment package, quarantine
            ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Microsoft.Storage/storageAccounts", // Storage Table Data Contributor: audit tables
            ["a638d3c7-ab3a-418d-83e6-5f17a39d4fde"] = "Microsoft.EventHub/namespaces/eventhubs", // Azure Event Hubs Data Receiver, on the hub only
            ["4633458b-17de-408a-b874-0445c86b69e6"] = "Microsoft.KeyVault/vaults", // Key Vault Secrets User
            ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Microsoft.Insights/components", // Monitoring Metrics Publisher
        };
        var module = BicepCli.Module(CompiledTemplate.Main, "roles");
        var roles = module.GetProperty("variables").GetProperty("roles");
        var assignments = CompiledTemplate.All("Microsoft.Authorization/roleAssignments").ToList();
        var granted = new Dictionary<string, string>();
        foreach (var assignment in assignments)
        {
            var definition = assignment.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!;
            var role = RoleReference().Match(definition);
            Assert.True(role.Success, $"role definition is not a built-in role id: {definition}");
            var id = roles.GetProperty(role.Groups[1].Value).GetString()!;
            var scope = assignment.GetProperty("scope").GetString()!;
            granted[id] = scope;
            Assert.Equal("ServicePrincipal", assignment.GetProperty("properties").GetProperty("principalType").GetString());
            Assert.Contains("guid(", assignment.GetProperty("name").GetString()!);
        }
        Assert.Equal(expected.Keys.Order(), granted.Keys.Order());
        foreach (var (id, type) in expected)
        {
            Assert.StartsWith($"[resourceId('{type}', ", granted[id]); // the resource itself, never the resource group or subscription
        }
    }

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', variables\('roles'\)\.(\w+)\)\]$")]
    private static partial Regex RoleReference();

    [Fact]
    public void Storage_key_vault_and_event_hubs_are_locked_down_and_event_hubs_can_grow()
    {
        var account = CompiledTemplate.Single("Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());

        var vault = CompiledTemplate.Single("Microsoft.KeyVault/vaults").GetProperty("properties");
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.Equal("[parameters('createMode')]", vault.GetProperty("createMode").GetString()); // a soft-deleted vault can be recovered on re-creation
        var awsSecrets = CompiledTemplate.All("Microsoft.KeyVault/vaults/secrets").Where(s => s.GetProperty("name").GetString()!.Contains("aws-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, awsSecrets.Count);
        Assert.Equal("[parameters('storeAwsCredentials')]", awsSecrets[0].GetProperty("condition").GetString());
        Assert.Equal(awsSecrets[0].GetProperty("condition").GetString(), awsSecrets[1].GetProperty("condition").GetString()); // both or neither

        var hubs = CompiledTemplate.Single("Microsoft.EventHub/namespaces");
        Assert.True(hubs.GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());
        Assert.Equal("[parameters('throughputUnits')]", hubs.GetProperty("sku").GetProperty("capacity").GetString());
        Assert.Contains("maximumThroughputUnits", hubs.GetProperty("properties").GetProperty("isAutoInflateEnabled").GetString());
    }

    [Fact]
    public void Resource_names_are_lower_case_whatever_the_environment_name()
    {
        var main = CompiledTemplate.Main;
        Assert.Equal("[toLower(parameters('environmentName'))]", main.GetProperty("variables").GetProperty("environment").GetString());
        var storageName = BicepCli.ResourcesOf(main).Single(r => r.GetProperty("name").GetString() == "storage")
            .GetProperty("properties").GetProperty("parameters").GetProperty("name").GetProperty("value").GetString()!;
        Assert.Contains("variables('environment')", storageName);
        Assert.DoesNotContain("parameters('environmentName')", storageName);
    }

    [Fact]
    public void Every_setting_the_code_reads_is_set_by_the_template_or_documented_with_its_default()
    {
        var read = SettingsInCode.Read();
        var set = CompiledTemplate.AppSettings().Select(s => s.Name).ToHashSet();
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        foreach (var setting in read)
        {
            var inTemplate = set.Contains(setting) || set.Any(b => b.StartsWith(setting + "__", StringComparison.Ordinal));
            var documented = readme.Split('\n').Any(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Split('|')[1].Contains($"`{setting}`", StringComparison.Ordinal));
            Assert.True(inTemplate || documented, $"{setting} is read by the code but neither set by the compiled template nor listed in README's configuration table");
        }
        foreach (var required in new[] { "SecretProtectionKeys", "DigestSigningKeys", "AllowCustomEndpoints", "AuditStorage__tableServiceUri", "AuditStorage__blobServiceUri", "EventHubName", "EventHubConsumerGroup" })
        {
            Assert.Contains(required, set);
        }
    }

    [Fact]
    public void Nothing_the_template_or_the_settings_sample_sets_is_unused()
    {
        var read = SettingsInCode.Read();
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "local.settings.sample.json")))
            .RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name);
        var unused = CompiledTemplate.AppSettings().Select(s => s.Name).Concat(sample).Where(s => !Used(s, read)).Distinct().ToList();
        Assert.True(unused.Count == 0, "set but never read: " + string.Join(", ", unused));
    }

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

    [GeneratedRegex("%(\\w+)%")]
    private static partial Regex Expression();
}
