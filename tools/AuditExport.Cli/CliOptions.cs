namespace AuditExport.Cli;

/// <summary>
/// The command line: <c>[audit] exportConfig VERB [ARGS] [--url URL] [--key KEY] [--token TOKEN] [--json]</c>.
/// The URL, key and token may also come from AUDIT_EXPORT_URL, AUDIT_EXPORT_KEY and AUDIT_EXPORT_TOKEN (better for
/// secrets than the command line, which other users of the machine can see).
/// </summary>
public sealed record CliOptions(string Verb, IReadOnlyList<string> Arguments, Uri BaseUrl, string? Key, string? Token, bool Json)
{
    public const string UrlVariable = "AUDIT_EXPORT_URL";
    public const string KeyVariable = "AUDIT_EXPORT_KEY";
    public const string TokenVariable = "AUDIT_EXPORT_TOKEN";

    /// <summary>The options, or null with the reason (or null reason when help was asked for).</summary>
    public static CliOptions? Parse(IReadOnlyList<string> args, Func<string, string?> environment, out string? problem)
    {
        problem = null;
        var positional = new List<string>();
        string? url = environment(UrlVariable), key = environment(KeyVariable), token = environment(TokenVariable);
        var json = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "help":
                    return null;
                case "--json":
                    json = true;
                    break;
                case "--url" or "--key" or "--token":
                    if (i + 1 >= args.Count)
                    {
                        problem = $"{arg} needs a value.";
                        return null;
                    }
                    var value = args[++i];
                    if (arg == "--url") url = value;
                    else if (arg == "--key") key = value;
                    else token = value;
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        problem = $"Unknown option {arg}.";
                        return null;
                    }
                    positional.Add(arg);
                    break;
            }
        }
        // "immuta audit exportConfig ..." becomes "audit-export audit exportConfig ..." or "audit-export exportConfig ...".
        if (positional.Count > 0 && positional[0] == "audit")
        {
            positional.RemoveAt(0);
        }
        if (positional.Count < 2 || positional[0] != "exportConfig")
        {
            problem = positional.Count == 0 ? "No command given." : $"Commands start with exportConfig, e.g. exportConfig list (got '{string.Join(' ', positional)}').";
            return null;
        }
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = $"No API URL: pass --url https://<function-app>.azurewebsites.net or set {UrlVariable}.";
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("https" or "http"))
        {
            problem = $"The API URL must be an absolute http(s) URL, not '{url}'.";
            return null;
        }
        return new CliOptions(positional[1], positional.Skip(2).ToList(), baseUrl, NullIfEmpty(key), NullIfEmpty(token), json);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
