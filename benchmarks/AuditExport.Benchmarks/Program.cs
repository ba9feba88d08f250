using AuditExport.Benchmarks;
using AuditExport.LocalHost;

// scripts/benchmark.sh: every benchmark on this machine; --smoke for a quick check that they still run; --cpu for the CPU pipeline alone.
if (args.Contains("--cpu"))
{
    Suite.RunCpuOnly();
    return 0;
}

var smoke = args.Contains("--smoke");
var folder = Path.Combine(RepositoryLayout.Root, "benchmarks", "results");
await Suite.RunAsync(smoke ? Suite.Smoke : Suite.Full, smoke ? null : folder);
return 0;
