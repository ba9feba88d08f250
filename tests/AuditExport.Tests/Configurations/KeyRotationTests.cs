using System.Net.Http.Json;
using System.Text.Json;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// The README's rotation of the secret-protection key, walked through with restarts as redeployments: add a key and make
/// it current, re-encrypt every stored secret, retire the old key; exports keep working at every step.
/// </summary>
[Collection(EmulatorsCollection.Configurations)]
public sealed class KeyRotationTests(EmulatorsFixture emulators)
{
    private static readonly string Old = TestKeys.OldKey;
    private static readonly string New = TestKeys.NewKey;

    private async Task<string?> StoredKeyIdAsync(IReadOnlyDictionary<string, string> settings, string id)
    {
        var table = emulators.TableService().GetTableClient(settings["ExportConfigurationsTable"]);
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == id))
        {
            return row.GetString("ProtectedSecret")?.Split('.')[1];
        }
        return null;
    }

    private static async Task<string> TestConnectionAsync(ExportBench bench, string id)
    {
        using var tested = await bench.Http.PostAsync($"/api/export-configurations/{id}/test-connection", null);
        return (await tested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectionStatus").GetString()!;
    }

    [Fact]
    public async Task Add_a_key_make_it_current_re_encrypt_then_retire_the_old_one_and_the_secret_still_works()
    {
        string id;
        Dictionary<string, string> settings;
        await using (var before = await ExportBench.StartAsync(emulators, s => s["SecretProtectionKeys"] = Old))
        {
            (id, _) = await before.CreateS3ConfigurationAsync();
            settings = before.Settings;
        }
        Assert.Equal("k1", await StoredKeyIdAsync(settings, id));

        // 1. The new key first, the old one kept: everything still decrypts; nothing moves yet.
        await using (var both = await ExportBench.RestartWithAsync(emulators, settings, "SecretProtectionKeys", $"{New};{Old}"))
        {
            Assert.Equal("SUCCESS", await TestConnectionAsync(both, id));

            // 2. Re-encrypt: the stored secret moves to the current key; a second run has nothing to do.
            using var first = await both.Http.PostAsync("/api/secret-keys/re-encrypt", null);
            var done = await first.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("k2", 1, 0), (done.GetProperty("currentKeyId").GetString(), done.GetProperty("reEncrypted").GetInt32(), done.GetProperty("unreadable").GetArrayLength()));
            using var second = await both.Http.PostAsync("/api/secret-keys/re-encrypt", null);
            var again = await second.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((0, 1), (again.GetProperty("reEncrypted").GetInt32(), again.GetProperty("alreadyCurrent").GetInt32()));
        }
        Assert.Equal("k2", await StoredKeyIdAsync(settings, id));

        // 3. The old key retired: the secret decrypts with the new one alone.
        await using var after = await ExportBench.RestartWithAsync(emulators, settings, "SecretProtectionKeys", New);
        Assert.Equal("SUCCESS", await TestConnectionAsync(after, id));
    }

    [Fact]
    public async Task Re_encryption_needs_the_admin_role_and_names_what_it_cannot_read()
    {
        string id;
        Dictionary<string, string> settings;
        await using (var before = await ExportBench.StartAsync(emulators, s => s["SecretProtectionKeys"] = Old))
        {
            (id, _) = await before.CreateS3ConfigurationAsync();
            settings = before.Settings;
        }
        // The old key dropped before re-encrypting: the secret cannot be moved, and the answer says which and why.
        await using var dropped = await ExportBench.RestartWithAsync(emulators, settings, "SecretProtectionKeys", New);

        using var answer = await dropped.Http.PostAsync("/api/secret-keys/re-encrypt", null);
        var result = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith($"{id}: the stored secretAccessKey cannot be decrypted", Assert.Single(result.GetProperty("unreadable").EnumerateArray()).GetString());

        using var reader = dropped.Handler.FrontDoor.CreateClient(caller: new AuditExport.Api.Security.Caller("auditor@contoso.example", "r-1",
            new HashSet<string> { AuditExport.Api.Security.ApiRoles.Reader }, "aad"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await reader.PostAsync("/api/secret-keys/re-encrypt", null)).StatusCode);
    }
}
