using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>Every change to a configuration is itself audited: who, when, what changed, never the secret; kept after a delete.</summary>
[Collection(EmulatorsCollection.Configurations)]
public sealed class ConfigurationChangeAuditTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task Each_action_leaves_a_record_with_caller_time_and_changed_fields_newest_first_and_kept_after_delete()
    {
        const string secret = "Audit-Trail-Secret-Never-Shown-41c9";
        await using var bench = await ExportBench.StartAsync(emulators);
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var body = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["path"] = "audit", ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER",
            ["secretAccessKey"] = secret, ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };
        var created = await (await bench.Http.PostAsJsonAsync("/api/export-configurations/s3-access-key", body)).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString();
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1));
        body["path"] = "audit/v2";
        body["secretAccessKey"] = secret + "-rotated";
        Assert.Equal(HttpStatusCode.OK, (await bench.Http.PutAsJsonAsync($"/api/export-configurations/{id}", body)).StatusCode);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(2));
        await bench.Http.PostAsync($"/api/export-configurations/{id}/disable", null);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(2).AddSeconds(1));
        await bench.Http.PostAsync($"/api/export-configurations/{id}/enable", null);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(2).AddSeconds(2));
        await bench.Http.PostAsync($"/api/export-configurations/{id}/test-connection", null);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(2).AddSeconds(3));
        await bench.ExportNowAsync(id!);
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(3));
        Assert.Equal(HttpStatusCode.NoContent, (await bench.Http.DeleteAsync($"/api/export-configurations/{id}")).StatusCode);

        using var response = await bench.Http.GetAsync($"/api/configuration-changes?configurationId={id}");
        var text = await response.Content.ReadAsStringAsync();
        var changes = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();

        Assert.Equal(["delete", "export-now", "test-connection", "enable", "disable", "update", "create"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.All(changes, c => Assert.Equal((FrontDoor.LocalAdmin.Name, FrontDoor.LocalAdmin.Id, "aad"),
            (c.GetProperty("caller").GetString(), c.GetProperty("callerId").GetString(), c.GetProperty("authType").GetString())));
        Assert.Equal(ExportBench.Start.AddMinutes(3), changes[0].GetProperty("at").GetDateTimeOffset());
        var update = changes[5].GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("field").GetString()!, c => (c.GetProperty("from").GetString(), c.GetProperty("to").GetString()));
        Assert.Equal(["path", "secret"], update.Keys.Order());
        Assert.Equal(("audit", "audit/v2"), update["path"]);
        Assert.Equal(("(set)", "(replaced)"), update["secret"]);
        Assert.Contains(changes[6].GetProperty("changes").EnumerateArray(), c => c.GetProperty("field").GetString() == "bucket" && c.GetProperty("to").GetString() == bucket);
        Assert.Empty(changes[1].GetProperty("changes").EnumerateArray()); // export-now changes no field
        Assert.DoesNotContain(secret, text);
        Assert.Contains(bench.Handler.Logs, l => l.Contains($"Configuration change: delete of {id} by {FrontDoor.LocalAdmin.Name}"));
        Assert.DoesNotContain(bench.Handler.Logs, l => l.Contains(secret));
    }

    [Fact]
    public async Task The_list_of_all_changes_spans_configurations_and_top_is_bounded()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (first, _) = await bench.CreateS3ConfigurationAsync();
        var (second, _) = await bench.CreateS3ConfigurationAsync();

        var all = await bench.Http.GetFromJsonAsync<JsonElement>("/api/configuration-changes");
        var one = await bench.Http.GetFromJsonAsync<JsonElement>("/api/configuration-changes?top=1");
        using var tooMany = await bench.Http.GetAsync("/api/configuration-changes?top=100000");

        Assert.Equal(new[] { first, second }.Order(), all.EnumerateArray().Select(c => c.GetProperty("configurationId").GetString()).Order());
        Assert.Single(one.EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }
}
