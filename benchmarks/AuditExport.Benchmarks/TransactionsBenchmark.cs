using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;

namespace AuditExport.Benchmarks;

/// <summary>
/// Storage transactions per event, counted by proxies in front of Azurite's Table and Blob endpoints (every
/// HTTP request is one billed transaction), for ingest and for the export of the same events; the requests
/// to the destination are counted too.
/// </summary>
public static class TransactionsBenchmark
{
    public static async Task RunAsync(Emulators emulators, Workload workload, Results results)
    {
        await using var table = await FaultyProxy.StartAsync(new Uri($"http://127.0.0.1:{emulators.TablePort}/"));
        await using var blob = await FaultyProxy.StartAsync(new Uri($"http://127.0.0.1:{emulators.BlobPort}/"));
        await using var s3 = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        var settings = Handlers.Settings(Handlers.Through(table, blob), Handlers.RunId());
        await using var handler = await HandlerProcess.StartAsync(settings);
        using var api = handler.CreateApiClient(TimeSpan.FromMinutes(10));
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var created = await api.PostAsJsonAsync("/api/export-configurations/s3-access-key", new JsonObject
        {
            ["interval"] = "EVERY_24_HOURS", ["bucket"] = bucket, ["region"] = "us-east-1", ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER",
            ["endpoint"] = s3.Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var host = new FunctionsHostClient(handler.BaseAddress))
        {
            await host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(Array.Empty<byte[]>(), "warm-up", 0, DateTimeOffset.UtcNow)); // creates the tables
        }

        var (tableBefore, blobBefore) = (table.Requests, blob.Requests);
        await Handlers.IngestAsync(handler, workload.Invocations(500, 4));
        var ingest = table.Requests - tableBefore + blob.Requests - blobBefore;
        await Task.Delay(TimeSpan.FromSeconds(2));

        (tableBefore, blobBefore) = (table.Requests, blob.Requests);
        var s3Before = s3.Requests;
        var export = await api.PostAsync($"/api/export-configurations/{id}/export", null);
        export.EnsureSuccessStatusCode();
        var exportRequests = table.Requests - tableBefore + blob.Requests - blobBefore;
        var n = (double)workload.Events.Count;
        results.Add(new Measurement("Storage transactions per event", $"{workload.Events.Count:N0} events, batches of 500", new()
        {
            ["ingest"] = ingest / n,
            ["export"] = exportRequests / n,
            ["ingest + export"] = (ingest + exportRequests) / n,
            ["destination requests per event"] = (s3.Requests - s3Before) / n,
        }, $"{ingest} storage requests for ingest, {exportRequests} for export"));
    }
}
