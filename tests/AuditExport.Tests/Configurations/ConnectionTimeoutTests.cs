using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>A destination that accepts connections and never answers is reported in seconds, not minutes.</summary>
[Collection(EmulatorsCollection.Configurations)]
public sealed class ConnectionTimeoutTests(EmulatorsFixture emulators)
{
    [Theory]
    [InlineData("s3-access-key")]
    [InlineData("adls-sas-token")]
    public async Task Silent_destination_fails_the_test_within_the_configured_timeout(string kind)
    {
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    accepted.Add(await blackHole.AcceptTcpClientAsync()); // accept, then say nothing
                }
                catch (Exception)
                {
                    return;
                }
            }
        });
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)blackHole.LocalEndpoint).Port}/";
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["DestinationRequestTimeoutSeconds"] = "1";
        await using var handler = await TestHandler.StartAsync(settings);
        using var http = handler.Http();
        JsonObject body = kind == "s3-access-key"
            ? new() { ["interval"] = "EVERY_2_HOURS", ["bucket"] = "silent", ["region"] = "us-east-1", ["accessKeyId"] = "K", ["secretAccessKey"] = "S", ["endpoint"] = endpoint, ["forcePathStyle"] = true }
            : new() { ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = "silent", ["fileSystem"] = "audit", ["sasToken"] = "sv=2021-12-02&sp=cw&se=2030-01-01&sig=abc", ["endpoint"] = endpoint };

        var stopwatch = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync($"/api/export-configurations/{kind}", body);
        var elapsed = stopwatch.Elapsed;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectionStatus").GetString();
        Assert.StartsWith("Error testing access to", status);
        Assert.EndsWith("- no answer within 1 seconds (tried 2 times)", status);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.NotEmpty(accepted);
        blackHole.Stop();
        accepted.ForEach(c => c.Dispose());
    }
}
