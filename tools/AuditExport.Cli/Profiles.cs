using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Cli;

/// <summary>What <c>audit-export configure</c> keeps: the API's URL, a reference to the function key, the API's app id.</summary>
public sealed record Profile(
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("keyReference")] string? KeyReference,
    [property: JsonPropertyName("appId")] string? AppId);

/// <summary>
/// Named profiles in one JSON file, <c>~/.audit-export/config.json</c> unless <c>--config</c> names another (Immuta's CLI
/// keeps its profiles in <c>~/.immutacfg.yaml</c> the same way). The file and its folder are readable by their owner only.
/// </summary>
public static class Profiles
{
    public const string DefaultName = "default";

    public static string DefaultPath(Func<string, string?> environment) =>
        Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".audit-export", "config.json");

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The named profile, or null when the file or the profile does not exist.</summary>
    /// <exception cref="UsageException">The file is not a profile file.</exception>
    public static Profile? Load(string path, string name)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        return Read(path).GetValueOrDefault(name);
    }

    public static void Save(string path, string name, Profile profile)
    {
        var profiles = File.Exists(path) ? Read(path) : new Dictionary<string, Profile>(StringComparer.Ordinal);
        profiles[name] = profile;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var text = JsonSerializer.Serialize(new { profiles }, Indented);
        // Created owner-only before anything is written into it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(new FileStream(path, options)))
        {
            writer.Write(text);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // an existing file keeps its mode otherwise
        }
    }

    private static Dictionary<string, Profile> Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.TryGetProperty("profiles", out var profiles)
                ? profiles.Deserialize<Dictionary<string, Profile>>() ?? []
                : [];
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not an audit-export profile file: {e.Message.Split(" Path:")[0]}");
        }
    }
}
