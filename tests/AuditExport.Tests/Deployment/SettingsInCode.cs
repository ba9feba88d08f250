using System.Reflection;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The app settings the handler reads, found in its source: configuration["Name"], GetValue("Name"),
/// GetSection("Name"), and the same with a constant (Type.SettingName), resolved by reflection.
/// </summary>
public static partial class SettingsInCode
{
    /// <summary>Set by the Functions host itself, not an app setting.</summary>
    private static readonly HashSet<string> HostProvided = ["FUNCTIONS_CUSTOMHANDLER_PORT", "AzureWebJobsScriptRoot"];

    public static IReadOnlySet<string> Read()
    {
        var assembly = typeof(AuditExport.Hosting.HandlerApp).Assembly;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions", "AuditExport"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            foreach (Match match in SettingRead().Matches(File.ReadAllText(file)))
            {
                if (match.Groups["literal"].Success)
                {
                    names.Add(match.Groups["literal"].Value);
                    continue;
                }
                var type = assembly.GetTypes().SingleOrDefault(t => t.Name == match.Groups["type"].Value)
                    ?? throw new InvalidOperationException($"{file}: cannot resolve {match.Value}");
                var field = type.GetField(match.Groups["field"].Value, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    ?? throw new InvalidOperationException($"{file}: cannot resolve {match.Value}");
                names.Add((string)field.GetRawConstantValue()!);
            }
        }
        names.ExceptWith(HostProvided);
        return names;
    }

    [GeneratedRegex(@"configuration(?:\[|\.GetValue(?:<\w+>)?\(|\.GetSection\()(?:""(?<literal>\w+)""|(?<type>[A-Z]\w+)\.(?<field>\w+))")]
    private static partial Regex SettingRead();
}
