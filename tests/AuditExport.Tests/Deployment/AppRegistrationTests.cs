using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The README's app registration step gives what a first deployment needs for tokens: v2 access tokens (the issuer the
/// compiled auth settings expect), a delegated scope the Azure CLI asks for, and the Azure CLI pre-authorized for it
/// (else AADSTS65001), in the order Graph accepts.
/// </summary>
public sealed partial class AppRegistrationTests
{
    private const string AzureCli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
    private static readonly string Folder = Path.Combine(RepositoryLayout.Root, "infra-bicep", "app-registration");

    [Fact]
    public void The_registration_issues_v2_tokens_exposes_user_impersonation_and_pre_authorizes_the_Azure_CLI()
    {
        var api = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "api.json"))).RootElement.GetProperty("api");
        var preAuthorized = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "pre-authorize-azure-cli.json"))).RootElement.GetProperty("api");

        Assert.Equal(2, api.GetProperty("requestedAccessTokenVersion").GetInt32());
        var scope = Assert.Single(api.GetProperty("oauth2PermissionScopes").EnumerateArray());
        Assert.Equal(("user_impersonation", true), (scope.GetProperty("value").GetString(), scope.GetProperty("isEnabled").GetBoolean()));
        var cli = Assert.Single(preAuthorized.GetProperty("preAuthorizedApplications").EnumerateArray());
        Assert.Equal(AzureCli, cli.GetProperty("appId").GetString());
        Assert.Equal([scope.GetProperty("id").GetString()], cli.GetProperty("delegatedPermissionIds").EnumerateArray().Select(i => i.GetString()));

        // The auth settings trust the v2.0 issuer, which only v2 tokens carry.
        Assert.Contains("/v2.0", CompiledTemplate.Single("Microsoft.Web/sites/config").GetRawText());
    }

    [Fact]
    public void The_README_registers_the_api_before_the_infrastructure_needs_its_id_and_sends_the_scope_before_the_pre_authorization()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        var register = readme.IndexOf("API_CLIENT_ID=$(az ad app create", StringComparison.Ordinal);
        var deploy = readme.IndexOf("az deployment group create -g rg-audit-export-dev", StringComparison.Ordinal);
        var scope = readme.IndexOf("--body @infra-bicep/app-registration/api.json", StringComparison.Ordinal);
        var preAuthorize = readme.IndexOf("--body @infra-bicep/app-registration/pre-authorize-azure-cli.json", StringComparison.Ordinal);

        Assert.True(register > 0 && deploy > register, "the app registration comes before the deployment that reads API_CLIENT_ID (BCP427 otherwise)");
        Assert.True(scope > register && preAuthorize > scope, "the scope exists before the Azure CLI is pre-authorized for it");
        foreach (var provider in new[] { "Microsoft.Web", "Microsoft.EventHub", "Microsoft.KeyVault", "Microsoft.Storage", "Microsoft.Insights", "Microsoft.OperationalInsights", "Microsoft.ManagedIdentity" })
        {
            Assert.Matches($@"for ns in[^\n]*(\\\n[^\n]*)*{Regex.Escape(provider)}\b", readme);
        }
    }
}
