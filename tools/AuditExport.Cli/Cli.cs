using System.Net.Sockets;
using System.Text.Json;

namespace AuditExport.Cli;

/// <summary>
/// <c>audit-export exportConfig VERB</c>: Immuta's exportConfig verbs (create:s3:accessKey, create:s3:assumedRole,
/// create:adls, list) and the rest of the API, over the REST routes. Output is the API's JSON (tables for list and
/// jobs unless --json); errors go to stderr; see <see cref="ExitCodes"/>.
/// </summary>
public static class Cli
{
    private const string Configurations = "export-configurations";

    public const string Usage = """
        Usage: audit-export exportConfig <command> [arguments] [--url URL] [--key KEY] [--token TOKEN] [--json]

        Commands (Immuta's exportConfig verbs, with its JSON files):
          create:s3:accessKey FILE    create an export to S3 with an access key
          create:s3:assumedRole FILE  create an export to S3 through an IAM role (ExternalId = the new id)
          create:adls FILE            create an export to ADLS Gen2 with a SAS token
          list                        every configuration (failing ones are tested again first)
          get ID                      one configuration
          update ID FILE              replace its settings (a secret left out is kept)
          delete ID                   delete it (exported objects and job history stay)
          enable ID | disable ID      start or stop exporting
          test ID                     test the connection again; exit 4 unless SUCCESS
          export-now ID               run an export job now; exit 4 if it failed
          jobs ID                     its recent export jobs

        Connection: --url or AUDIT_EXPORT_URL (the function app, e.g. https://func-audit.azurewebsites.net),
        --key or AUDIT_EXPORT_KEY (a function key), --token or AUDIT_EXPORT_TOKEN (an Entra ID access token for
        the API's app registration, when the app requires one). Prefer the variables for the key and token.

        Exit codes: 0 done, 1 the API refused or failed, 2 wrong command line, 3 API unreachable, 4 destination failed.
        """;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken, HttpMessageHandler? handler = null)
    {
        var options = CliOptions.Parse(args, environment, out var problem);
        if (options is null)
        {
            if (problem is null)
            {
                await output.WriteLineAsync(Usage);
                return ExitCodes.Ok;
            }
            await error.WriteLineAsync($"error: {problem}\n\n{Usage}");
            return ExitCodes.Usage;
        }
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromMinutes(4); // export-now may run for up to 150 s
        var api = new ApiClient(http, options);
        try
        {
            return await RunAsync(options, api, output, error, cancellationToken);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
        {
            await error.WriteLineAsync($"error: cannot reach {options.BaseUrl}: {e.Message}");
            return ExitCodes.Unreachable;
        }
    }

    private static async Task<int> RunAsync(CliOptions options, ApiClient api, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var args = options.Arguments;
        switch (options.Verb)
        {
            case "create:s3:accessKey":
                return await CreateAsync("s3-access-key");
            case "create:s3:assumedRole":
                return await CreateAsync("s3-assumed-role");
            case "create:adls":
                return await CreateAsync("adls-sas-token");
            case "list":
                Expect(0);
                return await ShowAsync(await api.SendAsync(HttpMethod.Get, Configurations, null, ct), options.Json ? null : Tables.Configurations);
            case "get":
                return await ShowAsync(await api.SendAsync(HttpMethod.Get, $"{Configurations}/{Id()}", null, ct));
            case "update":
                Expect(2);
                return await ShowAsync(await api.SendAsync(HttpMethod.Put, $"{Configurations}/{Id()}", ReadFile(args[1]), ct));
            case "delete":
                var id = Id();
                var deleted = await api.SendAsync(HttpMethod.Delete, $"{Configurations}/{id}", null, ct);
                if (deleted.Succeeded)
                {
                    await output.WriteLineAsync($"Deleted {id}.");
                    return ExitCodes.Ok;
                }
                return await FailedAsync(deleted);
            case "enable" or "disable":
                return await ShowAsync(await api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id()}/{options.Verb}", null, ct));
            case "test":
                var tested = await api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id()}/test-connection", null, ct);
                var shown = await ShowAsync(tested);
                return shown == ExitCodes.Ok && Text(tested.Body, "connectionStatus") != "SUCCESS" ? ExitCodes.DestinationFailed : shown;
            case "export-now":
                var run = await api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id()}/export", null, ct);
                var ran = await ShowAsync(run);
                if (run.Headers.TryGetValues("X-More-To-Export", out var more) && more.Contains("true"))
                {
                    await error.WriteLineAsync("More is waiting to be exported: run export-now again, or leave it to the ExportBacklogs timer (every 10 minutes).");
                }
                return ran == ExitCodes.Ok && Text(run.Body, "status") == "FAILED" ? ExitCodes.DestinationFailed : ran;
            case "jobs":
                return await ShowAsync(await api.SendAsync(HttpMethod.Get, $"{Configurations}/{Id()}/jobs", null, ct), options.Json ? null : Tables.Jobs);
            default:
                throw new UsageException($"Unknown command exportConfig {options.Verb}; run audit-export --help for the list.");
        }

        async Task<int> CreateAsync(string route)
        {
            Expect(1);
            var created = await api.SendAsync(HttpMethod.Post, $"{Configurations}/{route}", ReadFile(args[0]), ct);
            var shown = await ShowAsync(created);
            if (shown == ExitCodes.Ok && Text(created.Body, "connectionStatus") is { } status && status != "SUCCESS")
            {
                var id = Text(created.Body, "id");
                var trust = route == "s3-assumed-role" ? $" Let the role trust ExternalId {id}, then" : " Fix the access, then";
                await error.WriteLineAsync($"warning: created {id}, but its connection test failed: {status}.{trust} run: audit-export exportConfig test {id}");
            }
            return shown;
        }

        string Id()
        {
            if (args.Count == 0 || !Guid.TryParse(args[0], out var id))
            {
                throw new UsageException($"exportConfig {options.Verb} needs a configuration id (a UUID){(args.Count == 0 ? "" : $", not '{args[0]}'")}.");
            }
            if (options.Verb is not "update")
            {
                Expect(1);
            }
            return id.ToString();
        }

        void Expect(int count)
        {
            if (args.Count != count)
            {
                throw new UsageException($"exportConfig {options.Verb} takes {count} argument{(count == 1 ? "" : "s")}, not {args.Count}: {string.Join(' ', args)}");
            }
        }

        async Task<int> ShowAsync(ApiAnswer answer, Func<JsonElement, string>? table = null)
        {
            if (!answer.Succeeded)
            {
                return await FailedAsync(answer);
            }
            if (answer.Body is { } body)
            {
                await output.WriteLineAsync(table is null ? JsonSerializer.Serialize(body, Indented) : table(body));
            }
            return ExitCodes.Ok;
        }

        async Task<int> FailedAsync(ApiAnswer answer)
        {
            await error.WriteLineAsync(Problem(answer));
            return ExitCodes.ApiError;
        }
    }

    /// <summary>An API error in one block: status, title, detail and one line per field.</summary>
    internal static string Problem(ApiAnswer answer)
    {
        var lines = new List<string> { $"error: HTTP {answer.Status}{(Text(answer.Body, "title") is { } title ? ": " + title : "")}" };
        if (Text(answer.Body, "detail") is { } detail)
        {
            lines.Add("  " + detail);
        }
        if (answer.Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            lines.AddRange(errors.EnumerateObject().SelectMany(f => f.Value.EnumerateArray().Select(m => $"  {f.Name}: {m.GetString()}")));
        }
        if (answer.Status == 401)
        {
            lines.Add($"  Check the function key ({CliOptions.KeyVariable}) and, if the app requires Entra ID, the token ({CliOptions.TokenVariable}).");
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not JSON: {e.Message.Split(" Path:")[0]}");
        }
        return text;
    }

    internal static string? Text(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private sealed class UsageException(string message) : Exception(message);
}
