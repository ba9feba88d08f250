using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Robustness;

/// <summary>What the tests that kill the real handler process share: its settings, a timer invocation, an S3 configuration.</summary>
public static class KilledHandlerSetup
{
    /// <summary>A timer invocation as the host sends it (the handler reads nothing from it).</summary>
    public static JsonObject Timer() => new() { ["Data"] = new JsonObject(), ["Metadata"] = new JsonObject() };

    /// <summary>Tables of the test's own, a 1-second safety lag, and a 5-second lease (a killed run holds it until it expires).</summary>
    public static Dictionary<string, string> Settings(EmulatorsFixture emulators)
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["ExportJobsTable"] = EmulatorsFixture.UniqueName("jobs");
        settings["ExportStateTable"] = EmulatorsFixture.UniqueName("state");
        settings["ExportSafetyLagSeconds"] = "1";
        settings["ExportLeaseSeconds"] = "5";
        return settings;
    }

    /// <summary>Creates an EVERY_2_HOURS S3 configuration through the front door of the running handler; answers its id.</summary>
    public static async Task<string> CreateS3ConfigurationAsync(HandlerProcess handler, Uri s3Endpoint, string bucket)
    {
        await using var door = await FrontDoor.StartAsync(handler.BaseAddress);
        using var api = door.CreateClient();
        var created = await api.PostAsJsonAsync("/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
            ["endpoint"] = s3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        });
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
