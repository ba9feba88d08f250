using AuditExport.LocalHost;
using AuditExport.Storage;

namespace AuditExport.Benchmarks;

/// <summary>Settings for a handler process working in tables of its own, optionally through counting proxies.</summary>
public static class Handlers
{
    public static Dictionary<string, string> Settings(string storageConnectionString, string run, int shards = 4) => new()
    {
        ["AuditStorage"] = storageConnectionString,
        ["AuditEventsTable"] = $"events{run}",
        ["QuarantineTable"] = $"quarantine{run}",
        ["QuarantineContainer"] = $"quarantine-{run}",
        ["ExportConfigurationsTable"] = $"configurations{run}",
        ["ExportJobsTable"] = $"jobs{run}",
        ["ExportStateTable"] = $"state{run}",
        ["IngestShardCount"] = shards.ToString(),
        ["SecretProtectionKeys"] = "bench:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["DigestSigningKeys"] = "bench:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["AllowCustomEndpoints"] = "true",
        ["ExportSafetyLagSeconds"] = "1",
    };

    public static string RunId() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>A connection string whose Table and Blob endpoints go through the given proxies.</summary>
    public static string Through(FaultyProxy table, FaultyProxy blob) =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
        $"TableEndpoint={table.Endpoint}{StorageConnection.DevelopmentAccountName};BlobEndpoint={blob.Endpoint}{StorageConnection.DevelopmentAccountName};";

    /// <summary>Delivers every invocation, one at a time per partition and partitions in parallel, as the host does.</summary>
    public static async Task<int> IngestAsync(HandlerProcess handler, List<(string Partition, byte[] Body)> invocations)
    {
        using var host = new FunctionsHostClient(handler.BaseAddress);
        var accepted = 0;
        await Parallel.ForEachAsync(invocations.GroupBy(i => i.Partition), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (partition, ct) =>
        {
            foreach (var invocation in partition)
            {
                var result = await host.InvokeAsync("IngestAuditEvents", invocation.Body, ct);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException($"Ingest answered {result.Status}: {string.Join(" | ", result.Logs)}");
                }
                Interlocked.Add(ref accepted, result.ReturnValue.GetProperty("accepted").GetInt32());
            }
        });
        return accepted;
    }
}
