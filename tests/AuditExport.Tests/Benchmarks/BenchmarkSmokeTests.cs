using AuditExport.Benchmarks;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Benchmarks;

/// <summary>The benchmark suite at tiny sizes, so that scripts/benchmark.sh keeps working. Measures nothing worth quoting.</summary>
[Trait(AuditExport.Tests.Infrastructure.EmulatorsCollection.Stage, AuditExport.Tests.Infrastructure.EmulatorsCollection.RobustnessStage)]
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task Every_benchmark_runs_and_reports_plausible_numbers()
    {
        var results = await Suite.RunAsync(Suite.Smoke, resultsFolder: null);

        var areas = results.Measurements.GroupBy(m => m.Area).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Single(areas["Ingest"]);
        Assert.Equal(12, areas["Ingest scaling"].Count); // 3 shard counts × batches of 10, 100, 256 (host.json) and 500
        Assert.Equal(3, areas["Export"].Count); // S3, ADLS, and the digests on against off
        var digests = Assert.Single(areas["Export"], m => m.Name.Contains("digests on vs off"));
        Assert.InRange(digests.Values["throughput on ÷ off"], 0.001, 100);
        Assert.InRange(digests.Values["SHA-256 share of the export"], 0, 1);
        areas["Export"].Remove(digests);
        Assert.Equal(4, areas["CPU pipeline"].Count); // ingest as deployed (binary) and as text, two export variants
        foreach (var m in areas["Ingest"].Concat(areas["Ingest scaling"]).Concat(areas["Export"]))
        {
            Assert.InRange(m.Values["ratio"], 0.001, 100);
            Assert.True(m.Values["ours events/s"] > 0, m.Name);
        }
        Assert.All(areas["Export"], m => Assert.True(m.Values["peak working set MB"] > 10, m.Name));
        var backlog = Assert.Single(areas["Backlog export"]);
        Assert.InRange(backlog.Values["ratio bounded / unbounded"], 0.001, 100);
        Assert.True(backlog.Values["bounded jobs"] >= 1 && backlog.Values["bounded peak working set MB"] > 10, backlog.Name);
        var transactions = Assert.Single(areas["Storage transactions per event"]);
        Assert.InRange(transactions.Values["ingest"], 0.0001, 1);
        Assert.InRange(transactions.Values["export"], 0.0001, 1);
        Assert.All(areas["CPU pipeline"], m => Assert.True(m.Values["MiB/s per core"] > 1, m.Name));
    }

    [Fact]
    public async Task The_ingest_breakdown_runs_every_stage_and_its_rows_add_up()
    {
        await using var emulators = await Emulators.StartAsync(s3: false);
        var results = new Results();

        await IngestBreakdown.RunAsync(emulators, results, iterations: 4, rounds: 2, warmup: 2);

        var rows = results.Measurements.Where(m => m.Area == "Ingest breakdown").ToDictionary(m => m.Name);
        // 7 stages, reading as before the cut, chained, full path with and without the ledger copy, through Kestrel one at
        // a time, the body alone and four at once
        Assert.Equal(14, rows.Values.Count(r => r.Values.ContainsKey("CPU ms per invocation")));
        Assert.All(rows.Values.Where(r => r.Values.ContainsKey("CPU ms per invocation")), r => Assert.True(r.Values["CPU ms per invocation"] > 0, r.Name));
        // Tiny runs are noisy; this checks the sums are computed from the rows, not that they meet the 10 % of a real run.
        Assert.InRange(rows["stages summed, but the ledger read ÷ in-process full path"].Values["ratio"], 0.1, 10);
        Assert.InRange(rows["ledger cache: full path with ÷ without"].Values["ratio"], 0.1, 10);
        Assert.InRange(rows["through Kestrel one at a time ÷ in-process full path"].Values["ratio"], 0.1, 10);
        Assert.InRange(rows["read and unwrap: now ÷ the whole body parsed (as before the cut)"].Values["ratio"], 0.01, 10);
        var alternating = results.Measurements.Where(m => m.Area == "Read paths, alternating per invocation").ToList();
        Assert.Equal(3, alternating.Count);
        Assert.All(alternating, m => Assert.True(m.Values["wall ms median"] > 0, m.Name));
        Assert.InRange(rows["compression: event bytes ÷ segment bytes (zlib level 2)"].Values["ratio"], 2, 50); // audit JSON compresses
        Assert.True(rows["the pipeline alone (read, unwrap, split and validate, pack and compress): MiB/s per core"].Values["ratio"] > 0);
    }
}
