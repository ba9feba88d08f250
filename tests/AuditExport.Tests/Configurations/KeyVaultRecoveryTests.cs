using System.Net;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// A first deployment starts before the identity's role on Key Vault has propagated, so App Service leaves the key
/// ring's reference unresolved until its next restart or refresh. The handler reads the secret itself, with the same
/// identity, when a request needs it: once the vault answers, the same process serves, without a restart.
/// </summary>
[Collection(EmulatorsCollection.Configurations)]
public sealed class KeyVaultRecoveryTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task With_an_unresolved_reference_the_handler_reads_the_key_ring_from_Key_Vault_once_it_may_and_goes_on_without_a_restart()
    {
        await using var vault = await FakeKeyVault.StartAsync("secret-protection-keys");
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["SecretProtectionKeys"] = vault.Reference("secret-protection-keys");
        await using var handler = await TestHandler.StartAsync(settings, keyVault: vault.Access());
        using var http = handler.Http();
        using var anonymous = handler.FrontDoor.CreateClient(withKey: false);

        using var refusedList = await http.GetAsync("/api/export-configurations");
        var refusedIngest = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([Samples.Event("waits")], "0", 0, DateTimeOffset.UtcNow));
        using var unhealthy = await anonymous.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedList.StatusCode);
        Assert.Equal(500, refusedIngest.Status); // the host retries; the events stay in Event Hubs
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.True(vault.Reads > 0, "the handler did not try the vault");
        Assert.True(handler.Logs.Any(l => l.Contains("could not be read from Key Vault yet", StringComparison.Ordinal) && l.Contains("Forbidden", StringComparison.Ordinal)),
            string.Join("\n", handler.Logs));

        vault.Secret = TestKeys.Current; // the role assignment has propagated

        using var listed = await http.GetAsync("/api/export-configurations");
        var ingested = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([Samples.Event("goes-on")], "0", 0, DateTimeOffset.UtcNow));
        await Task.Delay(AuditExport.Hosting.HealthEndpoint.Reuse); // the probe's last answer is reused for a few seconds
        using var healthy = await anonymous.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(200, ingested.Status);
        Assert.Equal(1, ingested.ReturnValue.GetProperty("accepted").GetInt32());
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Contains(handler.Logs, l => l.Contains("from Key Vault (127.0.0.1, secret secret-protection-keys) itself", StringComparison.Ordinal));
        Assert.DoesNotContain(handler.Logs, l => l.Contains(TestKeys.Current.Split(':')[1], StringComparison.Ordinal)); // the ring is never logged
    }

    /// <summary>The form the deployment writes (functionapp.bicep: VaultName and SecretName) names the vault and secret it reads.</summary>
    [Fact]
    public void The_reference_the_deployment_writes_is_read_as_its_vault_and_secret()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "infra-bicep", "modules", "functionapp.bicep"));
        Assert.Contains("'@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretProtectionKeysSecretName})'", bicep);

        var deployed = AuditExport.Configurations.KeyVaultReference.Parse("@Microsoft.KeyVault(VaultName=kv-auditexp-dev;SecretName=secret-protection-keys)");
        var byUri = AuditExport.Configurations.KeyVaultReference.Parse("@Microsoft.KeyVault(SecretUri=https://kv-auditexp-dev.vault.azure.net/secrets/secret-protection-keys/0123abcd)");

        Assert.Equal(new AuditExport.Configurations.KeyVaultReference(new Uri("https://kv-auditexp-dev.vault.azure.net"), "secret-protection-keys", null), deployed);
        Assert.Equal(new AuditExport.Configurations.KeyVaultReference(new Uri("https://kv-auditexp-dev.vault.azure.net"), "secret-protection-keys", "0123abcd"), byUri);
        Assert.Null(AuditExport.Configurations.KeyVaultReference.Parse("@Microsoft.KeyVault(SecretUri=http://kv.vault.azure.net/secrets/x/)")); // never over plain HTTP
    }
}
