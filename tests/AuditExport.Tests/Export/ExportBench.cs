using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Export;

/// <summary>
/// A handler with a clock the test moves, plus helpers to create configurations through the API, ingest
/// through IngestAuditEvents, fire timers as the host does, and read what an export wrote.
/// </summary>
public sealed class ExportBench : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private long _sequence;

    private ExportBench(EmulatorsFixture emulators, TestHandler handler, FakeTimeProvider clock, Dictionary<string, string> settings)
    {
        Emulators = emulators;
        Handler = handler;
        Clock = clock;
        Settings = settings;
        Http = handler.Http();
    }

    public EmulatorsFixture Emulators { get; }
    public TestHandler Handler { get; }
    public FakeTimeProvider Clock { get; }
    public Dictionary<string, string> Settings { get; }
    public HttpClient Http { get; }

    public static async Task<ExportBench> StartAsync(EmulatorsFixture emulators, Action<Dictionary<string, string>>? configure = null,
        DateTimeOffset? start = null, AfterJobSucceeded? hooks = null, FaultInjectionPolicy? storage = null)
    {
        var clock = new FakeTimeProvider(start ?? Start);
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["ExportJobsTable"] = EmulatorsFixture.UniqueName("jobs");
        settings["ExportStateTable"] = EmulatorsFixture.UniqueName("state");
        settings["ExportSafetyLagSeconds"] = "60";
        settings["ExportRetryBaseDelayMilliseconds"] = "10";
        settings["ExportMaxAttempts"] = "2";
        configure?.Invoke(settings);
        var handler = await TestHandler.StartAsync(settings, clock, storage, hooks);
        hooks?.Watch(settings["ExportJobsTable"]);
        return new ExportBench(emulators, handler, clock, settings);
    }

    /// <summary>A new handler on the same tables and storage as an earlier bench, with one setting changed (as after a redeploy).</summary>
    public static Task<ExportBench> RestartWithAsync(EmulatorsFixture emulators, IReadOnlyDictionary<string, string> earlier, string setting, string value) =>
        StartAsync(emulators, s =>
        {
            foreach (var (key, old) in earlier)
            {
                s[key] = old;
            }
            s[setting] = value;
        });

    public async Task<(string Id, string Bucket)> CreateS3ConfigurationAsync(string interval = "EVERY_2_HOURS", Uri? endpoint = null, string path = "audit", bool enabled = true, string? startFrom = null)
    {
        var bucket = await S3Buckets.CreateAsync(Emulators.S3Endpoint);
        var body = new JsonObject
        {
            ["interval"] = interval, ["bucket"] = bucket, ["path"] = path, ["region"] = "us-east-1", ["enabled"] = enabled,
            ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER", ["endpoint"] = (endpoint ?? Emulators.S3Endpoint).AbsoluteUri, ["forcePathStyle"] = true,
        };
        if (startFrom is not null)
        {
            body["startFrom"] = startFrom;
        }
        return (await CreateAsync("s3-access-key", body), bucket);
    }

    public async Task<(string Id, string Container)> CreateAdlsConfigurationAsync(string interval = "EVERY_2_HOURS", Uri? endpoint = null, string permissions = "cw")
    {
        var container = EmulatorsFixture.UniqueName("export-");
        await Emulators.CreateContainerAsync(container);
        var body = new JsonObject
        {
            ["interval"] = interval, ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container, ["path"] = "lake/audit",
            ["sasToken"] = AzuriteSas.ForContainer(container, permissions, Start.AddYears(1)), ["endpoint"] = (endpoint ?? Emulators.BlobService().Uri).AbsoluteUri,
        };
        return (await CreateAsync("adls-sas-token", body), container);
    }

    private async Task<string> CreateAsync(string kind, JsonObject body)
    {
        var response = await Http.PostAsJsonAsync($"/api/export-configurations/{kind}", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode || json.GetProperty("connectionStatus").GetString() != "SUCCESS")
        {
            throw new InvalidOperationException($"Creating the {kind} configuration answered {(int)response.StatusCode}: {json}");
        }
        return json.GetProperty("id").GetString()!;
    }

    /// <summary>Delivers events as one Event Hub batch (partition 0, next sequence numbers) at the clock's time.</summary>
    public async Task IngestAsync(IReadOnlyList<string> events, string partition = "0")
    {
        var result = await Handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(events, partition, _sequence, Clock.GetUtcNow()));
        _sequence += events.Count;
        if (!result.Succeeded || result.ReturnValue.GetProperty("accepted").GetInt32() != events.Count)
        {
            throw new InvalidOperationException($"Ingest answered {result.Status}: {result.Body}");
        }
    }

    public async Task<FunctionsHostClient.Result> FireTimerAsync(string function = "ExportEvery2Hours")
    {
        var invocation = new JsonObject
        {
            ["Data"] = new JsonObject { ["timer"] = new JsonObject { ["Schedule"] = new JsonObject { ["AdjustForDST"] = true }, ["IsPastDue"] = false } },
            ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = function, ["UtcNow"] = Clock.GetUtcNow().ToString("O") } },
        };
        return await Handler.Host.InvokeAsync(function, invocation);
    }

    public async Task<(int Status, JsonElement Body)> ExportNowAsync(string id)
    {
        var response = await Http.PostAsync($"/api/export-configurations/{id}/export", null);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async Task<List<JsonElement>> JobsAsync(string id) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}/jobs")).EnumerateArray().ToList();

    public async Task<JsonElement> ConfigurationAsync(string id) =>
        await Http.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}");

    /// <summary>Every object the configuration's succeeded jobs name, oldest job first, read back and gunzipped, as lines.</summary>
    public async Task<List<string>> ExportedLinesAsync(string id, Func<string, Task<byte[]?>> read)
    {
        var lines = new List<string>();
        foreach (var job in (await JobsAsync(id)).Where(j => j.GetProperty("status").GetString() == "SUCCEEDED").Reverse())
        {
            foreach (var name in job.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!))
            {
                var bytes = await read(name) ?? throw new InvalidOperationException($"{name} is named by a job but not in the destination");
                lines.AddRange(Gunzip(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return lines;
    }

    public Func<string, Task<byte[]?>> S3Reader(string bucket) => key => S3Buckets.ReadBytesAsync(Emulators.S3Endpoint, bucket, key);

    public Func<string, Task<byte[]?>> BlobReader(string container) => name => Emulators.ReadBlobAsync(container, name);

    public static string Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Handler.DisposeAsync();
    }
}
