using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Architecture;

/// <summary>
/// The handler's areas (Api, AuditStore, Configurations, Destinations, Export, Hosting, Ingest, Observability, Storage) depend on each
/// other one way. Dependencies are read from the source: <c>using AuditExport.X</c> and names qualified by an area
/// (<c>Destinations.RetryPolicy</c>). A new cycle fails here with the files that make it.
/// </summary>
public sealed partial class NamespaceCycleTests
{
    private static readonly string[] Areas = ["Api", "AuditStore", "Configurations", "Destinations", "Export", "Hosting", "Ingest", "Observability", "Signing", "Storage"];

    [Fact]
    public void No_area_depends_on_an_area_that_depends_on_it()
    {
        var (edges, sources) = Dependencies();
        var cycles = edges.SelectMany(e => e.Value.Select(to => (From: e.Key, To: to)))
            .Where(edge => Reaches(edges, edge.To, edge.From))
            .Select(edge => $"{edge.From} -> {edge.To} ({string.Join(", ", sources[edge].Take(3))})")
            .ToList();

        Assert.True(cycles.Count == 0, "namespace cycles:\n" + string.Join("\n", cycles));
        Assert.Contains("Destinations", edges["Configurations"]); // the reading finds dependencies at all
    }

    private static (Dictionary<string, HashSet<string>> Edges, Dictionary<(string, string), List<string>> Sources) Dependencies()
    {
        var edges = Areas.ToDictionary(a => a, _ => new HashSet<string>());
        var sources = new Dictionary<(string, string), List<string>>();
        var root = Path.Combine(RepositoryLayout.Root, "functions", "AuditExport");
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var text = Comment().Replace(File.ReadAllText(file), "");
            var area = Namespace().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
            if (area is null)
            {
                continue;
            }
            var used = Using().Matches(text).Select(u => u.Groups[1].Value)
                .Concat(Qualified().Matches(UsingLine().Replace(text, "")).Select(q => q.Groups[1].Value));
            foreach (var to in used.Where(u => u != area && edges.ContainsKey(u)))
            {
                edges[area].Add(to);
                (sources.TryGetValue((area, to), out var list) ? list : sources[(area, to)] = []).Add(Path.GetRelativePath(root, file));
            }
        }
        return (edges, sources);
    }

    private static bool Reaches(Dictionary<string, HashSet<string>> edges, string from, string to)
    {
        var seen = new HashSet<string>();
        var next = new Stack<string>([from]);
        while (next.TryPop(out var area))
        {
            if (area == to)
            {
                return true;
            }
            foreach (var n in edges[area].Where(seen.Add))
            {
                next.Push(n);
            }
        }
        return false;
    }

    [GeneratedRegex(@"^namespace AuditExport\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^using AuditExport\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex Using();

    [GeneratedRegex(@"^using .*$", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(?:AuditExport\.)?(Api|Configurations|Destinations|Export|Hosting|Ingest|Observability|Storage)\.[A-Z]\w*")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex Comment();
}
