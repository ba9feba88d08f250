using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The Bicep CLI from NuGet (Azure.Bicep.CommandLine.linux-x64, pinned in Directory.Packages.props and restored
/// with the test project, so nothing is installed by hand). Its path comes from the package's build-time location.
/// </summary>
public static class BicepCli
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        /// <summary>Diagnostics as the CLI prints them: "file(line,col) : Warning rule-code: text".</summary>
        public IReadOnlyList<string> Diagnostics =>
            Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Contains(" : ", StringComparison.Ordinal)).ToList();
    }

    public static string Executable
    {
        get
        {
            var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The Bicep CLI is not at {path}: restore the test project (it references Azure.Bicep.CommandLine.linux-x64).");
            }
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute); // NuGet does not keep the executable bit
            }
            return path;
        }
    }

    public static Result Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"; // no ICU needed on a bare machine
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within 3 minutes");
        }
        return new Result(process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>Compiles a template to ARM JSON; fails with the CLI's diagnostics when it does not compile.</summary>
    public static JsonElement Build(string file)
    {
        var result = Run(null, "build", file, "--stdout");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build {file} failed ({result.ExitCode}):\n{result.Errors}");
        }
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    /// <summary>The deployment resources of a compiled template, with their nested templates' resources, recursively.</summary>
    public static IEnumerable<(string Module, JsonElement Resource)> Resources(JsonElement template, string module = "main")
    {
        foreach (var resource in ResourceList(template))
        {
            yield return (module, resource);
            if (resource.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
            {
                var nested = resource.GetProperty("properties").GetProperty("template");
                foreach (var inner in Resources(nested, resource.GetProperty("name").GetString()!))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>A nested module's compiled template, by its deployment name in main.bicep.</summary>
    public static JsonElement Module(JsonElement template, string name) =>
        ResourceList(template).Single(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments" && r.GetProperty("name").GetString() == name)
            .GetProperty("properties").GetProperty("template");

    // Bicep writes resources as an array, or as an object keyed by symbolic name (language version 2.0).
    public static IEnumerable<JsonElement> ResourcesOf(JsonElement template) => ResourceList(template);

    private static IEnumerable<JsonElement> ResourceList(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray() : resources.EnumerateObject().Select(p => p.Value);
    }

    public static string Describe(Result result) => new StringBuilder().AppendLine($"exit {result.ExitCode}").AppendLine(result.Errors).ToString();
}
