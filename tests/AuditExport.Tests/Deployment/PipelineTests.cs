using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>What can be checked of azure-pipelines.yml without Azure DevOps: it runs what exists, as CI does.</summary>
public sealed partial class PipelineTests
{
    private static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryLayout.Root, path));

    [Fact]
    public void Pipeline_tests_packages_validates_and_deploys_with_what_the_repository_has()
    {
        var pipeline = Read("azure-pipelines.yml");
        var deploy = Read(".pipelines/deploy.yml");
        foreach (Match script in Script().Matches(pipeline + deploy))
        {
            Assert.True(File.Exists(Path.Combine(RepositoryLayout.Root, script.Value)), $"{script.Value} does not exist");
        }
        Assert.Contains("scripts/test.sh", pipeline); // the same test command as README and .ci/run
        Assert.Contains("scripts/test.sh", Read(".ci/run"));
        Assert.Contains("scripts/package.sh", pipeline);
        Assert.Contains("template: .pipelines/deploy.yml", pipeline);
        Assert.Contains("az bicep lint --file", pipeline);
        Assert.Contains("az deployment group what-if", pipeline);
        Assert.Contains("task: AzureCLI@2", deploy);
        Assert.Contains("task: AzureFunctionApp@2", deploy);
        Assert.Contains("environment: audit-export-${{ parameters.environment }}", deploy); // approvals live on the environment
        Assert.Contains("environment: prod", pipeline);
        Assert.Contains("environments/${{ parameters.environment }}.bicepparam", deploy);
        Assert.DoesNotMatch(new Regex(@"SECRET_PROTECTION_KEYS: (?!\$\()"), pipeline + deploy); // secrets only from the variable group
    }

    [GeneratedRegex(@"scripts/[\w.-]+\.sh")]
    private static partial Regex Script();
}
