using AuditExport.Benchmarks;
using AuditExport.LocalHost;

// scripts/benchmark.sh: every benchmark on this machine; --smoke for a quick check that they still run; --cpu, --ingest, --export or --backlog for one part alone;
// --breakdown: where one ingest invocation's CPU goes, stage by stage (benchmarks/results/ingest-breakdown.md).
if (args.Contains("--cpu"))
{
    Suite.RunCpuOnly();
    return 0;
}

if (args.Contains("--ingest"))
{
    await using var emulators = await Emulators.StartAsync(s3: false);
    var results = new AuditExport.Benchmarks.Results();
    await IngestBenchmark.RunAsync(emulators, new Workload(Suite.Full.Ingest), Suite.Full.WarmUp, 4, 500, 4, results, "Ingest");
    return 0;
}

if (args.Contains("--export"))
{
    await using var emulators = await Emulators.StartAsync();
    var results = new AuditExport.Benchmarks.Results();
    foreach (var count in Suite.Full.Export)
    {
        await ExportBenchmark.RunAsync(emulators, new Workload(count, seed: 3), results);
    }
    return 0;
}

if (args.Contains("--breakdown"))
{
    // Where one invocation's CPU goes, stage by stage (issue 28), beside the handler process's full path of the same run.
    await using var emulators = await Emulators.StartAsync(s3: false);
    var results = new AuditExport.Benchmarks.Results();
    await IngestBreakdown.RunAsync(emulators, results, iterations: 200);
    // The handler process's full path under the runtime's GC and JIT settings, alternating, two rounds.
    var variants = new (string Label, Dictionary<string, string> Environment)[]
    {
        ("as deployed (workstation GC, TieredPGO off)", []),
        ("server GC", new() { ["DOTNET_gcServer"] = "1" }),
        ("gen0 budget 64 MiB", new() { ["DOTNET_GCgen0size"] = "0x4000000" }),
        ("TieredPGO on", new() { ["DOTNET_TieredPGO"] = "1" }),
    };
    for (var round = 0; round < 2; round++)
    {
        foreach (var (label, environment) in round == 0 ? variants : variants.Reverse())
        {
            await IngestBenchmark.RunAsync(emulators, new Workload(Suite.Full.Ingest), Suite.Full.WarmUp, 4, 500, 4, results, "Ingest runtime", environment, $"{label}, round {round + 1}");
        }
    }
    await results.WriteAsync(Path.Combine(RepositoryLayout.Root, "benchmarks", "results"), "ingest-breakdown", IngestBreakdown.Reading);
    return 0;
}

if (args.Contains("--backlog"))
{
    await using var emulators = await Emulators.StartAsync(s3: false);
    await BacklogBenchmark.RunAsync(emulators, Suite.Full.Backlog, new AuditExport.Benchmarks.Results());
    return 0;
}

var smoke = args.Contains("--smoke");
var folder = Path.Combine(RepositoryLayout.Root, "benchmarks", "results");
await Suite.RunAsync(smoke ? Suite.Smoke : Suite.Full, smoke ? null : folder);
return 0;
