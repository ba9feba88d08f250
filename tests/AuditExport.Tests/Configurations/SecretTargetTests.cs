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
[Collection(EmulatorsCollection.Configurations)]
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

    /// <summary>
    /// The race of issue 25 (finding 4): an admin's PUT keeps the endpoint it read and sends no SAS, with If-Match: *;
    /// while its body is on the way the owner points the configuration at the real account with the real SAS. The PUT
    /// was checked against the version before the owner's, so it must not land on the owner's, whose SAS would then
    /// go to the admin's endpoint in the connection test.
    /// </summary>
    [Theory]
    [InlineData("*")]
    [InlineData(null)]
    public async Task A_put_checked_against_one_version_never_lands_on_a_newer_one_whatever_its_precondition(string? ifMatch)
    {
        var configurationRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = false;
        var storage = new FaultInjectionPolicy
        {
            ShouldFail = (_, message) =>
            {
                if (Volatile.Read(ref armed) && message.Request.Method == Azure.Core.RequestMethod.Get && message.Request.Uri.Path.Contains("configurations", StringComparison.Ordinal))
                {
                    configurationRead.TrySetResult();
                }
                return false;
            },
        };
        await using var bench = await ExportBench.StartAsync(emulators, storage: storage);
        await using var attacker = await Recorder.StartAsync();
        var (id, container) = await bench.CreateAdlsConfigurationAsync();
        var real = await bench.ConfigurationAsync(id);
        var theirs = Without(real, "sasToken");
        theirs["endpointConfiguration"]!["endpoint"] = attacker.Endpoint.AbsoluteUri;
        theirs["sasToken"] = "sv=2024-01-01&sp=cw&se=2030-01-01&sr=c&sig=ATTACKERS-OWN";
        var made = await PutAsync(bench.Http, id, theirs);
        Assert.True(made.Status == HttpStatusCode.OK, made.Body.ToString());

        // The admin's PUT: headers now, body once the handler has read the version it checks against.
        var pending = Without(await bench.ConfigurationAsync(id), "sasToken");
        pending["interval"] = "EVERY_4_HOURS";
        var body = new GatedContent(pending.ToJsonString());
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/export-configurations/{id}") { Content = body };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        Volatile.Write(ref armed, true);
        var adminPut = bench.Http.SendAsync(request);
        await configurationRead.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Volatile.Write(ref armed, false);

        var ownerSas = AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddYears(1));
        var owner = Without(real, "sasToken");
        owner["sasToken"] = ownerSas;
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(bench.Http, id, owner)).Status);
        body.Release();
        using var answer = await adminPut;

        Assert.Equal(HttpStatusCode.PreconditionFailed, answer.StatusCode);
        var ownerSignature = System.Web.HttpUtility.ParseQueryString(ownerSas)["sig"]!;
        Assert.DoesNotContain(attacker.Requests, r => r.Contains(Uri.EscapeDataString(ownerSignature), StringComparison.Ordinal) || r.Contains(ownerSignature, StringComparison.Ordinal));
        Assert.Equal(real.GetProperty("endpointConfiguration").GetProperty("endpoint").GetString(),
            (await bench.ConfigurationAsync(id)).GetProperty("endpointConfiguration").GetProperty("endpoint").GetString());
    }

    /// <summary>A request body that is sent only when the test says so.</summary>
    private sealed class GatedContent(string json) : HttpContent
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.FlushAsync();
            await _gate.Task;
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(json));
        }

        protected override bool TryComputeLength(out long length)
        {
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            length = System.Text.Encoding.UTF8.GetByteCount(json);
            return true;
        }
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
        after.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

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
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));

        var (status, job) = await bench.ExportNowAsync(id);

        Assert.Equal(200, status);
        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Equal("The configuration was deleted during this export; the job stopped. Objects it had already uploaded stay in the destination.",
            job.GetProperty("failureReason").GetString());
    }

    private sealed class DeleteDuringExport : AfterJobSucceeded
    {
        public Func<Task<HttpResponseMessage>>? Delete { get; set; }

        protected override async Task ActAsync(IReadOnlyList<string> objectNames)
        {
            using var response = await Delete!();
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }
}
