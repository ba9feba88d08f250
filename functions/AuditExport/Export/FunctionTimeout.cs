using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Export;

/// <summary>
/// The host's functionTimeout, as the host itself resolves it: the app setting
/// <c>AzureFunctionsJobHost__functionTimeout</c> overrides host.json, which sits in the function app's root
/// (the handler runs in its <c>handler/</c> folder, so the root is a parent of the handler's directory).
/// </summary>
public static class FunctionTimeout
{
    /// <summary>What the host allows when host.json says nothing (Flex Consumption's default).</summary>
    public static readonly TimeSpan HostDefault = TimeSpan.FromMinutes(30);

    /// <summary>The timeout, or null when it is unbounded ("-1").</summary>
    public static TimeSpan? Resolve(IConfiguration configuration, IEnumerable<string> searchFrom)
    {
        var overridden = configuration["AzureFunctionsJobHost:functionTimeout"];
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return Parse(overridden, "the app setting AzureFunctionsJobHost__functionTimeout");
        }
        foreach (var start in searchFrom)
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                var file = Path.Combine(folder.FullName, "host.json");
                if (File.Exists(file))
                {
                    var value = JsonNode.Parse(File.ReadAllText(file))?["functionTimeout"]?.GetValue<string>();
                    return value is null ? HostDefault : Parse(value, file);
                }
            }
        }
        return HostDefault;
    }

    /// <summary>Where host.json is looked for: the script root the host names, the handler's folder, the working directory.</summary>
    public static IEnumerable<string> SearchFolders(IConfiguration configuration) =>
        new[] { configuration["AzureWebJobsScriptRoot"], AppContext.BaseDirectory, Directory.GetCurrentDirectory() }.OfType<string>().Where(Directory.Exists);

    private static TimeSpan? Parse(string value, string source) =>
        value.Trim() == "-1" ? null
        : TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var timeout) && timeout > TimeSpan.Zero ? timeout
        : throw new InvalidOperationException($"functionTimeout '{value}' in {source} is not a time span (hh:mm:ss) or -1.");
}
