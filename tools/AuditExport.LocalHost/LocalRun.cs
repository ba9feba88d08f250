using AuditExport.AuditStore;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using AuditExport.Api.Security;

namespace AuditExport.LocalHost;

/// <summary>
/// The main job on this machine, end to end: emulators; the handler as its own process; an S3 configuration
/// (s3rver) and an ADLS configuration (Azurite) created through the API; the sample events delivered through
/// IngestAuditEvents as the Functions host delivers them (and redelivered); ExportEvery2Hours fired as the
/// host fires it; then the exported objects read back and compared with what was ingested. The API is called
/// through the <see cref="FrontDoor"/>, which like the host serves only what function.json declares and checks
/// function keys. With <c>serve</c>, everything keeps running afterwards for manual calls, until Ctrl-C.
/// </summary>
public static class LocalRun
{
    private const int SafetyLagSeconds = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> samples, bool serve = false)
    {
        Console.WriteLine("Starting emulators (Azurite, s3rver) ...");
        await using var emulators = await Emulators.StartAsync();
        Console.WriteLine($"  Azurite blob :{emulators.BlobPort}, table :{emulators.TablePort}; s3rver :{emulators.S3Port}");

        Console.WriteLine("Starting the handler ...");
        await using var handler = await HandlerProcess.StartAsync(new Dictionary<string, string>
        {
            ["AuditStorage"] = emulators.StorageConnectionString,
            ["SecretProtectionKeys"] = "local:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["DigestSigningKeys"] = "local:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["AllowCustomEndpoints"] = "true",
            ["ExportSafetyLagSeconds"] = SafetyLagSeconds.ToString(), // production default: 600
        });
        Console.WriteLine($"  handler on {handler.BaseAddress}");
        await using var frontDoor = await FrontDoor.StartAsync(handler.BaseAddress);
        Console.WriteLine($"  front door (the Functions host's HTTP routes, from function.json) on {frontDoor.BaseAddress}");
        using var host = new FunctionsHostClient(handler.BaseAddress);
        using var api = frontDoor.CreateClient();

        var (s3Id, bucket) = await CreateS3ConfigurationAsync(api, emulators);
        var (adlsId, container) = await CreateAdlsConfigurationAsync(api, emulators);

        long sequence = 0;
        foreach (var file in samples)
        {
            var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
            var invocation = EventHubInvocation.Create(lines, partitionId: "0", firstSequence: sequence, DateTimeOffset.UtcNow);
            Console.WriteLine($"Delivering {lines.Count} messages from {Path.GetFileName(file)} (partition 0, sequence {sequence}..{sequence + lines.Count - 1}) ...");
            var result = await host.InvokeAsync("IngestAuditEvents", invocation);
            Console.WriteLine($"  HTTP {result.Status}: {string.Join(" | ", result.Logs)}");
            if (!result.Succeeded)
            {
                Console.Error.WriteLine(handler.Output);
                return 1;
            }
            // Event Hubs redelivers after a failure; the same batch again must store nothing new.
            var redelivery = await host.InvokeAsync("IngestAuditEvents", invocation);
            Console.WriteLine($"  redelivered: HTTP {redelivery.Status}: {string.Join(" | ", redelivery.Logs)}");
            sequence += lines.Count;
        }

        var tables = new TableServiceClient(emulators.StorageConnectionString);
        var stored = await PrintStoredAsync(tables);

        await Task.Delay(TimeSpan.FromSeconds(SafetyLagSeconds + 1)); // let the window close behind the ingested events
        Console.WriteLine();
        Console.WriteLine("Firing ExportEvery2Hours as the host does ...");
        var timer = await host.InvokeAsync("ExportEvery2Hours", new JsonObject
        {
            ["Data"] = new JsonObject { ["timer"] = new JsonObject { ["IsPastDue"] = false } },
            ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = "ExportEvery2Hours", ["UtcNow"] = DateTimeOffset.UtcNow.ToString("O") } },
        });
        Console.WriteLine($"  HTTP {timer.Status}: {string.Join(" | ", timer.Logs)}");

        var s3Lines = await PrintExportAsync(api, s3Id, "S3", key => S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, key));
        var blobs = new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(container);
        var adlsLines = await PrintExportAsync(api, adlsId, "ADLS", async key => (await blobs.GetBlobClient(key).DownloadContentAsync()).Value.Content.ToArray());

        var expected = stored.SelectMany(s => s.Lines).ToList();
        var same = s3Lines.SequenceEqual(expected) && adlsLines.SequenceEqual(expected);
        Console.WriteLine();
        Console.WriteLine(same
            ? $"OK: {expected.Count} stored events exported to S3 and to ADLS, each exactly once and byte for byte as ingested."
            : $"MISMATCH: stored {expected.Count}, exported {s3Lines.Count} to S3 and {adlsLines.Count} to ADLS.");
        var exitCode = same && timer.Succeeded ? 0 : 1;
        if (serve)
        {
            var ownBucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
            const string ownContainer = "my-audit-export";
            await new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(ownContainer).CreateIfNotExistsAsync();
            var own = new ServeInstructions.Destinations(emulators.S3Endpoint, ownBucket, new Uri($"http://127.0.0.1:{emulators.BlobPort}/{StorageConnection.DevelopmentAccountName}"),
                ownContainer, AzuriteSas.ForContainer(ownContainer, "cw", DateTimeOffset.UtcNow.AddDays(1)));
            await ServeUntilCancelledAsync(frontDoor, handler, s3Id, own);
        }
        return exitCode;
    }

    private static async Task ServeUntilCancelledAsync(FrontDoor frontDoor, HandlerProcess handler, string configurationId, ServeInstructions.Destinations own)
    {
        var api = frontDoor.BaseAddress.AbsoluteUri.TrimEnd('/') + "/api";
        Console.WriteLine();
        Console.WriteLine("Serving until Ctrl-C. Emulators, handler and front door stay up.");
        Console.WriteLine($"  API base URL : {api}");
        var token = frontDoor.IssueToken(FrontDoor.LocalAdmin);
        var reader = frontDoor.IssueToken(new AuditExport.Api.Security.Caller("local-reader@localhost", null, new HashSet<string> { AuditExport.Api.Security.ApiRoles.Reader }, "aad"));
        Console.WriteLine($"  function key : {frontDoor.FunctionKey}   (header x-functions-key, or ?code=)");
        Console.WriteLine($"  bearer token : {token}   (stands in for an Entra ID token with the roles AuditExport.Admin and AuditExport.Reader)");
        Console.WriteLine($"  reader token : {reader}   (AuditExport.Reader only)");
        Console.WriteLine($"  handler      : {handler.BaseAddress} (invocations: POST /IngestAuditEvents, /ExportEvery2Hours, ...)");
        Console.WriteLine();
        Console.WriteLine($"  curl -s {api}/health");
        var headers = $"-H 'x-functions-key: {frontDoor.FunctionKey}' -H 'Authorization: Bearer {token}'";
        Console.WriteLine($"  curl -s {headers} {api}/export-configurations");
        Console.WriteLine($"  curl -s {headers} {api}/export-configurations/{configurationId}/jobs");
        Console.WriteLine($"  curl -s -X POST {headers} {api}/export-configurations/{configurationId}/export");
        Console.WriteLine($"  curl -s {headers} '{api}/configuration-changes?configurationId={configurationId}'");
        Console.WriteLine($"  curl -s {headers} {api}/openapi.json");
        foreach (var line in ServeInstructions.Lines(api, frontDoor.FunctionKey, token, handler.BaseAddress, own))
        {
            Console.WriteLine(line);
        }
        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        // `kill <pid>` cleans up as Ctrl-C does: the emulators, the handler and the front door stop with this process.
        using var terminated = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });
        await stopped.Task;
        Console.WriteLine("Stopping ...");
    }

    private static async Task<(string Id, string Bucket)> CreateS3ConfigurationAsync(HttpClient api, Emulators emulators)
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var body = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["path"] = "immuta/audit", ["region"] = "us-east-1",
            ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER", ["endpoint"] = emulators.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };
        return (await CreateAsync(api, "s3-access-key", body), bucket);
    }

    private static async Task<(string Id, string Container)> CreateAdlsConfigurationAsync(HttpClient api, Emulators emulators)
    {
        const string container = "audit-export-local";
        await new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(container).CreateIfNotExistsAsync();
        var body = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = StorageConnection.DevelopmentAccountName, ["fileSystem"] = container, ["path"] = "immuta/audit",
            ["sasToken"] = AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddHours(1)),
            ["endpoint"] = $"http://127.0.0.1:{emulators.BlobPort}/{StorageConnection.DevelopmentAccountName}",
        };
        return (await CreateAsync(api, "adls-sas-token", body), container);
    }

    private static async Task<string> CreateAsync(HttpClient api, string kind, JsonObject body)
    {
        var response = await api.PostAsJsonAsync($"/api/export-configurations/{kind}", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Console.WriteLine($"Created {kind} configuration: HTTP {(int)response.StatusCode}, id {json.GetProperty("id")}, connectionStatus {json.GetProperty("connectionStatus")}");
        return response.IsSuccessStatusCode ? json.GetProperty("id").GetString()! : throw new InvalidOperationException(json.ToString());
    }

    private static async Task<List<StoredEventsReport.StoredSegment>> PrintStoredAsync(TableServiceClient tables)
    {
        var segments = await StoredEventsReport.ReadSegmentsAsync(tables);
        Console.WriteLine();
        Console.WriteLine($"Stored: {segments.Sum(s => s.Count)} events in {segments.Count} segments");
        foreach (var segment in segments)
        {
            Console.WriteLine($"  {segment.PartitionKey} / {segment.RowKey}: {segment.Count} events");
        }
        var quarantined = await StoredEventsReport.ReadQuarantineAsync(tables);
        Console.WriteLine($"Quarantined: {quarantined.Count}");
        foreach (var item in quarantined)
        {
            Console.WriteLine($"  seq {item.SequenceNumber}: {item.Reason}  [{item.Preview}]");
        }
        return segments;
    }

    private static async Task<List<string>> PrintExportAsync(HttpClient api, string id, string label, Func<string, Task<byte[]?>> read)
    {
        var jobs = await api.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{id}/jobs");
        var lines = new List<string>();
        foreach (var job in jobs.EnumerateArray().Reverse())
        {
            Console.WriteLine($"{label} job {job.GetProperty("id")}: {job.GetProperty("status")}, window ({job.GetProperty("windowStart")}, {job.GetProperty("windowEnd")}], {job.GetProperty("records")} records");
            foreach (var name in job.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!))
            {
                var bytes = await read(name) ?? throw new InvalidOperationException($"{name} is missing from {label}");
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                var objectLines = new StreamReader(gzip, Encoding.UTF8).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.AddRange(objectLines);
                Console.WriteLine($"  {name} ({bytes.Length} bytes gzip, {objectLines.Length} lines)");
                foreach (var line in objectLines.Take(2))
                {
                    Console.WriteLine($"    {(line.Length > 150 ? line[..150] + "…" : line)}");
                }
            }
        }
        return lines;
    }
}
