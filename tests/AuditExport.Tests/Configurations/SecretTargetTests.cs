using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// A stored secret goes only where it was given for: changing the place needs the secret again, and a custom
/// endpoint is checked against the current setting every time it is used, not only when it was written.
/// </summary>
[Collection(EmulatorsCollection.Name)]
public sealed class SecretTargetTests(EmulatorsFixture emulators)
{
    /// <summary>A stand-in for an attacker's endpoint: it records every request that reaches it.</summary>
    private sealed class Recorder : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public List<string> Requests { get; } = [];
        public Uri Endpoint { get; }

        private Recorder(WebApplication app, Uri endpoint) => (_app, Endpoint) = (app, endpoint);

        public static async Task<Recorder> StartAsync()
        {
            Recorder? recorder = null;
            var (app, endpoint) = await LoopbackServer.StartAsync(app => app.Run(context =>
            {
                lock (recorder!.Requests)
                {
                    recorder.Requests.Add($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
                }
                context.Response.StatusCode = 201;
                return Task.CompletedTask;
            }));
            return recorder = new Recorder(app, endpoint);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(HttpClient http, string id, JsonObject body)
    {
        var response = await http.PutAsJsonAsync($"/api/export-configurations/{id}", body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static JsonObject Without(JsonElement configuration, string secretField)
    {
        var body = JsonNode.Parse(configuration.GetRawText())!.AsObject();
        body.Remove(secretField);
        return body;
    }

    [Theory]
    [InlineData("endpoint")]
    [InlineData("storageAccount")]
    [InlineData("fileSystem")]
    public async Task Pointing_an_adls_configuration_elsewhere_without_its_sas_token_is_refused_and_nothing_is_sent(string field)
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        await using var attacker = await Recorder.StartAsync();
        var (id, _) = await bench.CreateAdlsConfigurationAsync();
        var body = Without(await bench.ConfigurationAsync(id), "sasToken");
        body["endpointConfiguration"]![field] = field switch
        {
            "endpoint" => attacker.Endpoint.AbsoluteUri,
            "storageAccount" => "attackeraccount",
            _ => "attacker-files",
        };

        var (status, problem) = await PutAsync(bench.Http, id, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"is required when {field} changes: a stored secret is only ever sent to the place it was given for",
            problem.GetProperty("errors").GetProperty("sasToken")[0].GetString());
        Assert.Empty(attacker.Requests);
        Assert.Equal("SUCCESS", (await bench.ConfigurationAsync(id)).GetProperty("connectionStatus").GetString()); // unchanged
    }

    [Theory]
    [InlineData("bucket", "attacker-bucket")]
    [InlineData("region", "eu-west-1")]
    [InlineData("forcePathStyle", false)]
    [InlineData("accessKeyId", "OTHERKEY")]
    public async Task Pointing_an_s3_configuration_elsewhere_without_its_secret_key_is_refused(string field, object value)
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        var body = Without(await bench.ConfigurationAsync(id), "secretAccessKey");
        body["endpointConfiguration"]![field] = JsonValue.Create(value);

        var (status, problem) = await PutAsync(bench.Http, id, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith($"is required when {field} changes", problem.GetProperty("errors").GetProperty("secretAccessKey")[0].GetString());
    }

    [Fact]
    public async Task With_the_secret_given_again_the_place_may_change_and_without_a_change_the_stored_secret_is_kept()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        var current = await bench.ConfigurationAsync(id);
        var newBucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);

        var samePlace = Without(current, "secretAccessKey");
        samePlace["interval"] = "EVERY_4_HOURS";
        var (kept, keptBody) = await PutAsync(bench.Http, id, samePlace);
        var moved = Without(keptBody, "secretAccessKey");
        moved["endpointConfiguration"]!["bucket"] = newBucket;
        moved["secretAccessKey"] = "S3RVER";
        var (changed, changedBody) = await PutAsync(bench.Http, id, moved);

        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), (kept, keptBody.GetProperty("connectionStatus").GetString()));
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), (changed, changedBody.GetProperty("connectionStatus").GetString()));
        Assert.Equal(newBucket, changedBody.GetProperty("endpointConfiguration").GetProperty("bucket").GetString());
    }

    [Fact]
    public async Task A_custom_endpoint_stored_while_allowed_is_neither_tested_nor_exported_to_once_the_setting_is_off()
    {
        string id, bucket;
        Dictionary<string, string> settings;
        await using (var before = await ExportBench.StartAsync(emulators))
        {
            (id, bucket) = await before.CreateS3ConfigurationAsync();
            await before.IngestAsync([Samples.Event("after-switch-off")]);
            settings = before.Settings;
        }
        await using var after = await ExportBench.RestartWithAsync(emulators, settings, "AllowCustomEndpoints", "false");
        after.Clock.Now = ExportBench.Start.AddHours(2);

        var tested = await after.Http.PostAsync($"/api/export-configurations/{id}/test-connection", null);
        var status = (await tested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectionStatus").GetString();
        var (_, job) = await after.ExportNowAsync(id);

        Assert.Equal($"Error testing access to S3 using AccessKey S3RVER - the configured endpoint {emulators.S3Endpoint.GetLeftPart(UriPartial.Authority)} is refused: " +
            "custom endpoints are not allowed here (the AllowCustomEndpoints setting is off)", status);
        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Contains("custom endpoints are not allowed here", job.GetProperty("failureReason").GetString());
        using var s3 = S3Buckets.Client(emulators.S3Endpoint);
        var listed = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket });
        Assert.DoesNotContain(listed.S3Objects ?? [], o => o.Key.EndsWith(".gz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_a_configuration_during_its_export_ends_the_job_with_a_reason_that_says_so()
    {
        var hooks = new DeleteDuringExport();
        await using var bench = await ExportBench.StartAsync(emulators, hooks: hooks);
        var (id, _) = await bench.CreateS3ConfigurationAsync();
        hooks.Delete = () => bench.Http.DeleteAsync($"/api/export-configurations/{id}");
        await bench.IngestAsync([Samples.Event("deleted-mid-export")]);
        bench.Clock.Now = ExportBench.Start.AddHours(2);

        var (status, job) = await bench.ExportNowAsync(id);

        Assert.Equal(200, status);
        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Equal("The configuration was deleted during this export; the job stopped. Objects it had already uploaded stay in the destination.",
            job.GetProperty("failureReason").GetString());
    }

    private sealed class DeleteDuringExport : AuditExport.Export.ExportTestHooks
    {
        public Func<Task<HttpResponseMessage>>? Delete { get; set; }

        public override async Task BeforeWatermarkAsync(AuditExport.Export.ExportJob job, CancellationToken cancellationToken)
        {
            using var response = await Delete!();
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }
}
