using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Benchmarks;

public sealed record Measurement(string Area, string Name, Dictionary<string, double> Values, string? Note = null);

/// <summary>Collects measurements and writes them as markdown and JSON, with the machine and the date.</summary>
public sealed class Results
{
    public List<Measurement> Measurements { get; } = [];
    public Dictionary<string, string> Machine { get; } = Describe();
    public DateTimeOffset Date { get; } = DateTimeOffset.UtcNow;

    public void Add(Measurement measurement)
    {
        Measurements.Add(measurement);
        Console.WriteLine($"  {measurement.Area} / {measurement.Name}: {string.Join(", ", measurement.Values.Select(v => $"{v.Key} {Format(v.Value)}"))}{(measurement.Note is null ? "" : $" ({measurement.Note})")}");
    }

    public async Task WriteAsync(string folder, string name = "results", string? preface = null)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, $"{name}.json"),
            JsonSerializer.Serialize(new { date = Date, machine = Machine, measurements = Measurements }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        var md = new StringBuilder();
        md.AppendLine($"# Benchmark results, {Date:yyyy-MM-dd HH:mm} UTC").AppendLine();
        md.AppendLine(string.Join(", ", Machine.Select(m => $"{m.Key}: {m.Value}"))).AppendLine();
        if (preface is not null)
        {
            md.AppendLine(preface).AppendLine();
        }
        foreach (var area in Measurements.GroupBy(m => m.Area))
        {
            md.AppendLine($"## {area.Key}").AppendLine();
            var columns = area.SelectMany(m => m.Values.Keys).Distinct().ToList();
            md.AppendLine($"| measurement | {string.Join(" | ", columns)} | note |");
            md.AppendLine($"|---|{string.Concat(columns.Select(_ => "---:|"))}---|");
            foreach (var m in area)
            {
                md.AppendLine($"| {m.Name} | {string.Join(" | ", columns.Select(c => m.Values.TryGetValue(c, out var v) ? Format(v) : ""))} | {m.Note} |");
            }
            md.AppendLine();
        }
        await File.WriteAllTextAsync(Path.Combine(folder, $"{name}.md"), md.ToString());
    }

    private static string Format(double value) => value switch
    {
        >= 100 => value.ToString("N0"),
        >= 1 => value.ToString("N2"),
        _ => value.ToString("0.0000"),
    };

    private static Dictionary<string, string> Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new Dictionary<string, string>
        {
            ["cpu"] = cpu ?? "unknown",
            ["cores"] = Environment.ProcessorCount.ToString(),
            ["memory"] = $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024 / 1024 / 1024} GiB",
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            [".NET"] = Environment.Version.ToString(),
            ["storage"] = "Azurite 3.35.0 (in memory), s3rver 3.7.1, on the same machine",
        };
    }
}
