using System.Text.Json;
using System.Text.RegularExpressions;

namespace AuditExport.LocalHost;

/// <summary>One function as the Functions host sees it: its folder name and its trigger binding.</summary>
public sealed record FunctionDefinition(string Name, string TriggerType, string? Route, IReadOnlyList<string> Methods, string AuthLevel)
{
    public bool IsHttp => TriggerType == "httpTrigger";

    /// <summary>Whether the HTTP function answers this method on this path (below the route prefix).</summary>
    public bool Matches(string method, string path) =>
        IsHttp && (Methods.Count == 0 || Methods.Contains(method, StringComparer.OrdinalIgnoreCase)) && RouteRegex(Route ?? Name).IsMatch(path);

    /// <summary>ASP.NET route template to regex: literal segments, {name}, {name:guid}, {name:int}, {*rest}.</summary>
    public static Regex RouteRegex(string template)
    {
        var segments = template.Trim('/').Split('/').Select(segment =>
        {
            var parameter = Regex.Match(segment, @"^\{(?<wild>\*)?(?<name>\w+)(?::(?<constraint>\w+))?\??\}$");
            if (!parameter.Success)
            {
                return Regex.Escape(segment);
            }
            if (parameter.Groups["wild"].Success)
            {
                return ".*";
            }
            return parameter.Groups["constraint"].Value switch
            {
                "guid" => "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
                "int" or "long" => "-?[0-9]+",
                "" => "[^/]+",
                var other => throw new NotSupportedException($"Route constraint '{other}' in '{template}' is not modelled by the local front door."),
            };
        });
        return new Regex("^" + string.Join('/', segments) + "/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}

/// <summary>The function app as the host loads it: host.json's route prefix and every folder with a function.json.</summary>
public sealed record FunctionAppLayout(string RoutePrefix, IReadOnlyList<FunctionDefinition> Functions)
{
    public static FunctionAppLayout Read(string? root = null)
    {
        root ??= RepositoryLayout.Root;
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json")));
        var prefix = host.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var routePrefix) ? routePrefix.GetString() ?? "api" : "api";
        var functions = Directory.GetFiles(Path.Combine(root, "functions"), "function.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(ReadFunction).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        return new FunctionAppLayout(prefix.Trim('/'), functions);
    }

    public IEnumerable<FunctionDefinition> Http => Functions.Where(f => f.IsHttp);

    private static FunctionDefinition ReadFunction(string file)
    {
        var name = Path.GetFileName(Path.GetDirectoryName(file))!;
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        var trigger = document.RootElement.GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("direction").GetString() == "in" && b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
        var methods = trigger.TryGetProperty("methods", out var m) ? m.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        return new FunctionDefinition(name, trigger.GetProperty("type").GetString()!,
            trigger.TryGetProperty("route", out var route) ? route.GetString() : null, methods,
            trigger.TryGetProperty("authLevel", out var auth) ? auth.GetString()! : "function");
    }
}
