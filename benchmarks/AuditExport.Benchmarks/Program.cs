using AuditExport.Benchmarks;
using AuditExport.LocalHost;

// scripts/benchmark.sh: every benchmark on this machine; --smoke for a quick check that they still run; --cpu, --ingest, --export or --backlog for one part alone;
// --breakdown: where one ingest invocation's CPU goes, stage by stage (benchmarks/results/ingest-breakdown.md); with
// --before-handler DLL LABEL (scripts/benchmark.sh --before REF) an earlier handler build is measured beside this one;
// --runtime-rounds N measures the handler process variants N times each (3 by default; 0: the in-process stages only).
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
    // The handler process's full path: an earlier build beside this one (scripts/benchmark.sh --breakdown --before REF) and
    // this one under the runtime's GC, JIT and thread-pool settings, alternating.
    var before = Array.IndexOf(args, "--before-handler") is var at and >= 0 ? (args[at + 1], args[at + 2]) : ((string Path, string Label)?)null;
    var rounds = Array.IndexOf(args, "--runtime-rounds") is var r and >= 0 ? int.Parse(args[r + 1], System.Globalization.CultureInfo.InvariantCulture) : 3;
    if (rounds > 0)
    {
        await IngestBreakdown.RuntimeAsync(emulators, results, before, rounds);
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
