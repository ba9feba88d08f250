using AuditExport.LocalHost;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AuditExport.Benchmarks;

/// <summary>Every benchmark, side by side in one run, on this machine; results under benchmarks/results.</summary>
public static class Suite
{
    public sealed record Sizes(int Ingest, int Scaling, int[] Export, int Backlog, int Transactions, WarmUp WarmUp, bool Dry);

    public static readonly Sizes Full = new(100_000, 20_000, [100_000, 1_000_000], 5_000_000, 20_000, new WarmUp(50_000, TimeSpan.FromSeconds(3)), Dry: false);
    public static readonly Sizes Smoke = new(1_000, 500, [1_000], 2_000, 1_000, new WarmUp(500, TimeSpan.Zero), Dry: true);

    /// <summary>Only the CPU pipeline (no emulators), for a quick look at CPU work.</summary>
    public static Results RunCpuOnly()
    {
        var results = new Results();
        RunCpuPipeline(dry: false, results);
        return results;
    }

    public static async Task<Results> RunAsync(Sizes sizes, string? resultsFolder)
    {
        var results = new Results();
        Console.WriteLine("Starting emulators ...");
        await using var emulators = await Emulators.StartAsync();

        // The batch size the host delivers: host.json's maxEventBatchSize.
        var hostBatchSize = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "host.json")))!["extensions"]!["eventHubs"]!["maxEventBatchSize"]!.GetValue<int>();
        Console.WriteLine($"Ingest against the raw batch-write ceiling (batches of {hostBatchSize}, host.json) ...");
        await IngestBenchmark.RunAsync(emulators, new Workload(sizes.Ingest), sizes.WarmUp, shards: 4, batchSize: hostBatchSize, partitions: 4, results, "Ingest");

        Console.WriteLine("Ingest scaling: shards x batch size ...");
        var scaling = new Workload(sizes.Scaling, seed: 2);
        foreach (var shards in new[] { 1, 2, 4 })
        {
            foreach (var batchSize in new[] { 10, 100, 256, 500 })
            {
                await IngestBenchmark.RunAsync(emulators, scaling, sizes.WarmUp, shards, batchSize, partitions: 4, results, "Ingest scaling");
            }
        }

        foreach (var count in sizes.Export)
        {
            Console.WriteLine($"Export of {count:N0} events against the raw key-range read ceiling ...");
            await ExportBenchmark.RunAsync(emulators, new Workload(count, seed: 3), results);
        }

        Console.WriteLine($"Backlog of {sizes.Backlog:N0} events: bounded jobs against one unbounded job ...");
        await BacklogBenchmark.RunAsync(emulators, sizes.Backlog, results);

        Console.WriteLine("Storage transactions per event ...");
        await TransactionsBenchmark.RunAsync(emulators, new Workload(sizes.Transactions, seed: 4), results);

        Console.WriteLine("CPU pipeline (BenchmarkDotNet, in process, one thread) ...");
        RunCpuPipeline(sizes.Dry, results);

        if (resultsFolder is not null)
        {
            await results.WriteAsync(resultsFolder);
            Console.WriteLine($"Results written to {resultsFolder}/results.md and results.json");
        }
        return results;
    }

    private static void RunCpuPipeline(bool dry, Results results)
    {
        // Enough warm-up for tiered compilation to settle: with ShortRun's 3 warm-ups the numbers moved by 3x between runs.
        var job = (dry ? Job.Dry : Job.Default.WithLaunchCount(1).WithWarmupCount(15).WithIterationCount(15)).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty().AddJob(job).AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default).WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summary = BenchmarkDotNet.Running.BenchmarkRunner.Run<CpuPipelineBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            var seconds = (report.ResultStatistics?.Mean ?? double.NaN) / 1e9;
            results.Add(new Measurement("CPU pipeline", report.BenchmarkCase.Descriptor.WorkloadMethod.Name, new()
            {
                ["MiB/s per core"] = CpuPipelineBenchmarks.RawBytes / 1024.0 / 1024.0 / seconds,
                ["µs per 500-event batch"] = seconds * 1e6,
                ["allocated KiB"] = (report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0) / 1024.0,
                ["invocation KiB"] = report.BenchmarkCase.Descriptor.WorkloadMethod.Name switch
                {
                    "Ingest" => CpuPipelineBenchmarks.InvocationBytes / 1024.0,
                    "IngestAsText" => CpuPipelineBenchmarks.TextInvocationBytes / 1024.0,
                    _ => double.NaN,
                },
            }));
        }
    }
}
