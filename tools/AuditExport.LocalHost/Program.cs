using System.Text.Json;
using AuditExport.LocalHost;
using AuditExport.Storage;

// The main job, end to end on this machine: emulators, the handler as its own process, the sample events
// delivered through IngestAuditEvents exactly as the Functions host delivers them, then what was stored.
if (args is ["measure-ingest", ..])
{
    return await IngestMeasurement.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100_000);
}

var samples = args.Length > 0 ? args : [Path.Combine(RepositoryLayout.SamplesFolder, "uam-and-legacy.jsonl"), Path.Combine(RepositoryLayout.SamplesFolder, "malformed.jsonl")];

Console.WriteLine("Starting emulators (Azurite, s3rver) ...");
await using var emulators = await Emulators.StartAsync();
Console.WriteLine($"  Azurite blob :{emulators.BlobPort}, table :{emulators.TablePort}; s3rver :{emulators.S3Port}");

Console.WriteLine("Starting the handler ...");
await using var handler = await HandlerProcess.StartAsync(new Dictionary<string, string> { ["AuditStorage"] = emulators.StorageConnectionString });
Console.WriteLine($"  handler on {handler.BaseAddress}");

using var host = new FunctionsHostClient(handler.BaseAddress);
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

var tables = new AzureTableClient(StorageConnection.FromConnectionString(emulators.StorageConnectionString));
var segments = await StoredEventsReport.ReadSegmentsAsync(tables);
Console.WriteLine();
Console.WriteLine($"Stored: {segments.Sum(s => s.Count)} events in {segments.Count} segments");
foreach (var segment in segments)
{
    Console.WriteLine($"  {segment.PartitionKey} / {segment.RowKey}: {segment.Count} events");
    foreach (var line in segment.Lines.Take(3))
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        string Field(params string[] names) =>
            names.Select(n => root.TryGetProperty(n, out var v) ? v.ToString() : null).FirstOrDefault(v => v is not null) ?? "-";
        Console.WriteLine($"    id={Field("id")} kind={Field("action", "recordType")} time={Field("eventTimestamp", "dateTime")}");
    }
    if (segment.Lines.Count > 3)
    {
        Console.WriteLine($"    ... {segment.Lines.Count - 3} more");
    }
}
var quarantined = await StoredEventsReport.ReadQuarantineAsync(tables);
Console.WriteLine($"Quarantined: {quarantined.Count}");
foreach (var item in quarantined)
{
    Console.WriteLine($"  seq {item.SequenceNumber}: {item.Reason}  [{item.Preview}]");
}
return 0;
