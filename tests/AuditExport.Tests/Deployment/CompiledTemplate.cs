using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>infra-bicep/main.bicep compiled once per test run by the real Bicep CLI, and read as ARM JSON.</summary>
public static partial class CompiledTemplate
{
    public static readonly string Folder = Path.Combine(RepositoryLayout.Root, "infra-bicep");

    private static readonly Lazy<JsonElement> Compiled = new(() => BicepCli.Build(Path.Combine(Folder, "main.bicep")));

    public static JsonElement Main => Compiled.Value;

    public static IEnumerable<(string Module, JsonElement Resource)> Resources => BicepCli.Resources(Main);

    public static JsonElement Single(string type) => Resources.Select(r => r.Resource).Single(r => r.GetProperty("type").GetString() == type);

    public static IEnumerable<JsonElement> All(string type) => Resources.Select(r => r.Resource).Where(r => r.GetProperty("type").GetString() == type);

    /// <summary>The function app's settings as compiled: name and value (an ARM expression where it is computed), with the condition of conditional ones.</summary>
    public static IReadOnlyList<(string Name, string Value, bool Conditional)> AppSettings()
    {
        var module = BicepCli.Module(Main, "functionApp");
        var site = BicepCli.Resources(module).Select(r => r.Resource).Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/sites");
        var expression = site.GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").GetString()!;
        var variables = module.GetProperty("variables");
        var settings = new List<(string, string, bool)>();
        foreach (Match reference in VariableReference().Matches(expression))
        {
            var variable = variables.GetProperty(reference.Groups[1].Value);
            if (variable.ValueKind == JsonValueKind.Array)
            {
                settings.AddRange(variable.EnumerateArray().Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("value").GetString()!, false)));
            }
            else
            {
                settings.AddRange(CreateObject().Matches(variable.GetString()!).Select(m => (m.Groups["name"].Value, m.Groups["value"].Value, true)));
            }
        }
        return settings;
    }

    [GeneratedRegex(@"variables\('(\w+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"createObject\('name', '(?<name>\w+)', 'value', (?<value>.+?)\)(?=, createObject|\)|$)")]
    private static partial Regex CreateObject();
}
