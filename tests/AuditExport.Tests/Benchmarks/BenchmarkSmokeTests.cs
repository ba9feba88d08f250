using AuditExport.Benchmarks;

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
}
