using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using AuditExport.Digests;

namespace AuditExport.Cli;

/// <summary>
/// <c>audit-export [audit] exportConfig VERB</c>: Immuta's exportConfig verbs with its JSON files, answered in Immuta's
/// shape (<see cref="ImmutaAnswers"/>), and the rest of the API, over the REST routes; <c>audit-export configure</c>
/// keeps a profile. Errors go to stderr; see <see cref="ExitCodes"/>.
/// </summary>
public static class Cli
{
    private const string Configurations = "export-configurations";

    /// <summary>Where a command finds what it needs; tests replace the parts that reach outside (HTTP, the credential, stdin).</summary>
    public sealed record Context(TextWriter Output, TextWriter Error, TextReader Input, Func<string, string?> Environment,
        HttpMessageHandler? Handler = null, TokenCredential? Credential = null);

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken, HttpMessageHandler? handler = null) =>
        RunAsync(args, new Context(output, error, Console.In, environment, handler), cancellationToken);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, Context context, CancellationToken cancellationToken)
    {
        // "immuta audit exportConfig ..." becomes "audit-export audit exportConfig ..." or "audit-export exportConfig ...".
        var words = args.Count > 0 && args[0] == "audit" ? args.Skip(1).ToList() : args.ToList();
        var parsed = new Commands(context).Root.Parse(words);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await context.Error.WriteLineAsync($"error: {problem.Message}");
            }
            await context.Error.WriteLineAsync("Run audit-export --help (or audit-export exportConfig --help) for the commands and options.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error }, cancellationToken);
    }

    /// <summary>The command tree; each verb is a small method below.</summary>
    private sealed class Commands
    {
        private readonly Context _context;
        private readonly Option<string?> _url = Global("--url", "The function app, e.g. https://func-audit.azurewebsites.net (or AUDIT_EXPORT_URL, or the profile)");
        private readonly Option<string?> _key = Global("--key", "A function key (or AUDIT_EXPORT_KEY, or the profile's key reference); prefer the variable: the command line is visible to others");
        private readonly Option<string?> _token = Global("--token", "A bearer token for the API (or AUDIT_EXPORT_TOKEN); without one, a token is fetched for the app id");
        private readonly Option<string?> _appId = Global("--app-id", "The API's app registration (client) id: a token for api://<id>/.default is fetched through Azure.Identity (your az login) ");
        private readonly Option<string?> _profile = Global("--profile", "The profile to read (default: default)", "-p");
        private readonly Option<string?> _config = Global("--config", "The profile file (default: ~/.audit-export/config.json)");
        private readonly Option<bool> _json = new("--json") { Description = "Print the API's JSON instead of a table", Recursive = true };

        public RootCommand Root { get; }

        public Commands(Context context)
        {
            _context = context;
            Root = new RootCommand("Manage audit export configurations with Immuta's exportConfig verbs, and verify what they delivered.");
            foreach (var option in new Option[] { _url, _key, _token, _appId, _profile, _config, _json })
            {
                Root.Options.Add(option);
            }
            Root.Subcommands.Add(Configure());
            Root.Subcommands.Add(Verify());
            var exportConfig = new Command("exportConfig", "Export configurations (Immuta's verbs, with its JSON files)");
            Root.Subcommands.Add(exportConfig);

            Create(exportConfig, "create:s3:accessKey", "s3-access-key", "createS3AccessKeyExportConfiguration", "Create an export to S3 with an access key");
            Create(exportConfig, "create:s3:assumedRole", "s3-assumed-role", "createS3AssumedRoleExportConfiguration",
                "Create an export to S3 through an IAM role (ExternalId = the new id)");
            Create(exportConfig, "create:adls:sasToken", "adls-sas-token", "createAdlsSasTokenEndpointConfiguration", "Create an export to ADLS Gen2 with a SAS token");
            Create(exportConfig, "create:adls", "adls-sas-token", "createAdlsSasTokenEndpointConfiguration", "Same as create:adls:sasToken (Immuta's older verb)");
            Add(exportConfig, "list", "Every configuration (failing ones are tested again first); a table unless --json", [], (_, c) =>
                ShowAsync(c.Api.SendAsync(HttpMethod.Get, Configurations, null, c.Token), c.Json ? null : Tables.Configurations));
            var id = IdArgument();
            Add(exportConfig, "get", "One configuration; a table unless --json", [id], (p, c) =>
                ShowAsync(c.Api.SendAsync(HttpMethod.Get, $"{Configurations}/{Id(p, id)}", null, c.Token), c.Json ? null : One(Tables.Configurations)));
            Update(exportConfig);
            UpdateOfKind(exportConfig, "update:s3:accessKey", "updateS3AccessKeyExportConfiguration");
            UpdateOfKind(exportConfig, "update:s3:assumedRole", "updateS3AssumedRoleExportConfiguration");
            UpdateOfKind(exportConfig, "update:adls:sasToken", "updateAdlsSasTokenExportConfiguration");
            Add(exportConfig, "delete", "Delete it (exported objects and job history stay)", [id], async (p, c) =>
            {
                var configuration = Id(p, id);
                var deleted = await c.Api.SendAsync(HttpMethod.Delete, $"{Configurations}/{configuration}", null, c.Token);
                return deleted.Succeeded ? await PrintAsync(ImmutaAnswers.IdOnly("deleteExportConfiguration", configuration)) : await FailedAsync(deleted);
            });
            foreach (var (verb, mutation, text) in new[] { ("enable", "enableExportConfiguration", "Start exporting"), ("disable", "disableExportConfiguration", "Stop exporting") })
            {
                Add(exportConfig, verb, text, [id], async (p, c) =>
                    await ImmutaAsync(await c.Api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id(p, id)}/{verb}", null, c.Token), mutation));
            }
            Add(exportConfig, "test", "Test the connection again; exit 4 unless SUCCESS; a table unless --json", [id], async (p, c) =>
            {
                var tested = await c.Api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id(p, id)}/test-connection", null, c.Token);
                var shown = await ShowAsync(Task.FromResult(tested), c.Json ? null : One(Tables.Configurations));
                return shown == ExitCodes.Ok && Text(tested.Body, "connectionStatus") != "SUCCESS" ? ExitCodes.DestinationFailed : shown;
            });
            Add(exportConfig, "export-now", "Run an export job now; exit 4 if it failed; a table unless --json", [id], async (p, c) =>
            {
                var run = await c.Api.SendAsync(HttpMethod.Post, $"{Configurations}/{Id(p, id)}/export", null, c.Token);
                var ran = await ShowAsync(Task.FromResult(run), c.Json ? null : One(Tables.Jobs));
                if (run.Headers.TryGetValues("X-More-To-Export", out var more) && more.Contains("true"))
                {
                    await _context.Error.WriteLineAsync("More is waiting to be exported: run export-now again, or leave it to the ExportBacklogs timer (every 10 minutes).");
                }
                return ran == ExitCodes.Ok && Text(run.Body, "status") == "FAILED" ? ExitCodes.DestinationFailed : ran;
            });
            Add(exportConfig, "jobs", "Its recent export jobs; a table unless --json", [id], (p, c) =>
                ShowAsync(c.Api.SendAsync(HttpMethod.Get, $"{Configurations}/{Id(p, id)}/jobs", null, c.Token), c.Json ? null : Tables.Jobs));
        }

        private static Option<string?> Global(string name, string description, params string[] aliases)
        {
            var option = new Option<string?>(name, aliases) { Description = description, Recursive = true };
            return option;
        }

        private static Argument<string> IdArgument() => new("ID") { Description = "The configuration's id (a UUID)" };

        private static Argument<string> FileArgument() => new("FILE") { Description = "A JSON file with the fields (Immuta's exportConfig.json); - reads standard input" };

        /// <summary>What a verb's action gets: the API client, the token to cancel with, and --json.</summary>
        private sealed record Call(ApiClient Api, bool Json, CancellationToken Token);

        private void Add(Command parent, string name, string description, Argument[] arguments, Func<ParseResult, Call, Task<int>> action)
        {
            var command = new Command(name, description);
            foreach (var argument in arguments)
            {
                command.Arguments.Add(argument);
            }
            command.SetAction((parsed, ct) => RunVerbAsync(parsed, action, ct));
            parent.Subcommands.Add(command);
        }

        private void Create(Command parent, string verb, string route, string mutation, string description)
        {
            var file = FileArgument();
            Add(parent, verb, description, [file], async (p, c) =>
            {
                var created = await c.Api.SendAsync(HttpMethod.Post, $"{Configurations}/{route}", ReadFile(p.GetValue(file)!), c.Token);
                var shown = await ImmutaAsync(created, mutation);
                if (shown == ExitCodes.Ok && Text(created.Body, "connectionStatus") is { } status && status != "SUCCESS")
                {
                    var id = Text(created.Body, "id");
                    var trust = route == "s3-assumed-role" ? $" Let the role trust ExternalId {id}, then" : " Fix the access, then";
                    await _context.Error.WriteLineAsync($"warning: created {id}, but its connection test failed: {status}.{trust} run: audit-export exportConfig test {id}");
                }
                return shown;
            });
        }

        private void Update(Command parent)
        {
            var id = IdArgument();
            var file = FileArgument();
            var ifMatch = new Option<string?>("--if-match") { Description = "Write only if the configuration's ETag is still this one (from get --json); 412 otherwise" };
            var command = new Command("update", "Replace its settings (a secret left out is kept); prints the configuration") { id, file };
            command.Options.Add(ifMatch);
            command.SetAction((parsed, ct) => RunVerbAsync(parsed, async (p, c) =>
            {
                var headers = p.GetValue(ifMatch) is { } etag ? new Dictionary<string, string> { ["If-Match"] = etag } : null;
                return await ShowAsync(c.Api.SendAsync(HttpMethod.Put, $"{Configurations}/{Id(p, id)}", ReadFile(p.GetValue(file)!), c.Token, headers));
            }, ct));
            parent.Subcommands.Add(command);
        }

        private void UpdateOfKind(Command parent, string verb, string mutation)
        {
            var id = IdArgument();
            var file = FileArgument();
            Add(parent, verb, $"Replace the settings of a configuration of that kind (a secret left out is kept); answers as Immuta's {mutation}", [id, file], async (p, c) =>
                await ImmutaAsync(await c.Api.SendAsync(HttpMethod.Put, $"{Configurations}/{Id(p, id)}", ReadFile(p.GetValue(file)!), c.Token), mutation));
        }

        private Command Verify()
        {
            var folder = new Argument<string>("FOLDER") { Description = "A local copy of a configuration's path (aws s3 sync s3://BUCKET/PATH FOLDER, or azcopy copy --recursive)" };
            var keys = new Option<string?>("--keys") { Description = "The trusted public keys: a file saved from GET /api/signing-keys; without it they are read from the API" };
            var fromApi = new Option<string?>("--from-api") { Description = "A configuration id: also compare with the jobs the service says it delivered (its 50 newest)" };
            var command = new Command("verify", "Verify exported objects against their signed digests; prints OK or what is wrong per window; exit 5 on any finding") { folder };
            command.Options.Add(keys);
            command.Options.Add(fromApi);
            command.SetAction(async (parsed, ct) =>
            {
                var root = parsed.GetValue(folder)!;
                if (!Directory.Exists(root))
                {
                    await _context.Error.WriteLineAsync($"error: {root} is not a folder.");
                    return ExitCodes.Usage;
                }
                if (parsed.GetValue(fromApi) is { } text && !Guid.TryParse(text, out _))
                {
                    await _context.Error.WriteLineAsync($"error: --from-api needs a configuration id (a UUID), not '{text}'.");
                    return ExitCodes.Usage;
                }
                if (parsed.GetValue(keys) is { } file && parsed.GetValue(fromApi) is null)
                {
                    try
                    {
                        var trusted = Verification.Keys(ReadFile(file), file);
                        return await Verification.PrintAsync(FolderVerifier.Verify(root, trusted), _context.Output);
                    }
                    catch (UsageException e)
                    {
                        await _context.Error.WriteLineAsync($"error: {e.Message}");
                        return ExitCodes.Usage;
                    }
                }
                return await RunVerbAsync(parsed, async (p, c) =>
                {
                    IReadOnlyList<PublicSigningKey> trusted;
                    if (p.GetValue(keys) is { } keyFile)
                    {
                        trusted = Verification.Keys(ReadFile(keyFile), keyFile);
                    }
                    else
                    {
                        var answer = await c.Api.SendAsync(HttpMethod.Get, "signing-keys", null, c.Token);
                        if (!answer.Succeeded || answer.Body is not { } body)
                        {
                            return await FailedAsync(answer);
                        }
                        trusted = Verification.Keys(body.GetRawText(), "GET /api/signing-keys");
                    }
                    var report = FolderVerifier.Verify(root, trusted);
                    if (p.GetValue(fromApi) is { } configuration)
                    {
                        var jobs = await c.Api.SendAsync(HttpMethod.Get, $"{Configurations}/{configuration}/jobs", null, c.Token);
                        if (!jobs.Succeeded || jobs.Body is not { } list)
                        {
                            return await FailedAsync(jobs);
                        }
                        report = FolderVerifier.CompareWithService(report, Guid.Parse(configuration), Verification.Delivered(list), root);
                    }
                    return await Verification.PrintAsync(report, _context.Output);
                }, ct);
            });
            return command;
        }

        private Command Configure()
        {
            var keyReference = new Option<string?>("--key-reference") { Description = "Where the function key is: env:NAME or file:PATH (the key itself is never stored)" };
            var command = new Command("configure", "Store the API URL, the key reference and the API's app id in a profile (-p NAME; the file is readable by you only)");
            command.Options.Add(keyReference);
            command.SetAction(async (parsed, ct) =>
            {
                var path = parsed.GetValue(_config) ?? Profiles.DefaultPath(_context.Environment);
                var name = parsed.GetValue(_profile) ?? Profiles.DefaultName;
                try
                {
                    var old = Profiles.Load(path, name);
                    var profile = new Profile(parsed.GetValue(_url) ?? old?.Url, parsed.GetValue(keyReference) ?? old?.KeyReference, parsed.GetValue(_appId) ?? old?.AppId);
                    if (profile.Url is null || !Uri.TryCreate(profile.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                    {
                        throw new UsageException("configure needs --url with the function app's absolute http(s) URL.");
                    }
                    if (profile.KeyReference is not null)
                    {
                        ApiConnection.KeyFrom(profile.KeyReference, _ => "checked"); // the form only; the value is read when used
                    }
                    if (parsed.GetValue(_key) is not null)
                    {
                        throw new UsageException("configure stores where the key is (--key-reference env:NAME or file:PATH), never the key itself.");
                    }
                    Profiles.Save(path, name, profile);
                    await _context.Output.WriteLineAsync($"Profile '{name}' saved in {path}: url {profile.Url}, key {profile.KeyReference ?? "(none)"}, app id {profile.AppId ?? "(none)"}.");
                    return ExitCodes.Ok;
                }
                catch (UsageException e)
                {
                    await _context.Error.WriteLineAsync($"error: {e.Message}");
                    return ExitCodes.Usage;
                }
            });
            return command;
        }

        private async Task<int> RunVerbAsync(ParseResult parsed, Func<ParseResult, Call, Task<int>> action, CancellationToken cancellationToken)
        {
            ApiConnection? connection = null;
            try
            {
                var profile = Profiles.Load(parsed.GetValue(_config) ?? Profiles.DefaultPath(_context.Environment), parsed.GetValue(_profile) ?? Profiles.DefaultName);
                if (profile is null && parsed.GetValue(_profile) is { } wanted)
                {
                    throw new UsageException($"There is no profile '{wanted}'; create it with audit-export configure -p {wanted} --url ...");
                }
                connection = await ApiConnection.ResolveAsync(parsed.GetValue(_url), parsed.GetValue(_key), parsed.GetValue(_token), parsed.GetValue(_appId), profile,
                    _context.Environment, _context.Credential ?? new Azure.Identity.DefaultAzureCredential(), cancellationToken);
                using var http = _context.Handler is null ? new HttpClient() : new HttpClient(_context.Handler, disposeHandler: false);
                http.Timeout = TimeSpan.FromMinutes(4); // export-now may run for up to 150 s
                return await action(parsed, new Call(new ApiClient(http, connection), parsed.GetValue(_json), cancellationToken));
            }
            catch (UsageException e)
            {
                await _context.Error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (AuthenticationException e)
            {
                await _context.Error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.ApiError;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
            {
                await _context.Error.WriteLineAsync($"error: cannot reach {connection?.BaseUrl}: {e.Message}");
                return ExitCodes.Unreachable;
            }
        }

        private static string Id(ParseResult parsed, Argument<string> argument)
        {
            var text = parsed.GetValue(argument);
            return Guid.TryParse(text, out var id) ? id.ToString() : throw new UsageException($"{parsed.CommandResult.Command.Name} needs a configuration id (a UUID), not '{text}'.");
        }

        private string ReadFile(string path)
        {
            string text;
            try
            {
                text = path == "-" ? _context.Input.ReadToEnd() : File.ReadAllText(path);
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
                throw new UsageException($"{(path == "-" ? "standard input" : path)} is not JSON: {e.Message.Split(" Path:")[0]}");
            }
            return text;
        }

        private static Func<JsonElement, string> One(Func<JsonElement, string> table) =>
            element => table(JsonSerializer.SerializeToElement(new[] { element }));

        private async Task<int> ShowAsync(Task<ApiAnswer> call, Func<JsonElement, string>? table = null)
        {
            var answer = await call;
            if (!answer.Succeeded)
            {
                return await FailedAsync(answer);
            }
            if (answer.Body is { } body)
            {
                await _context.Output.WriteLineAsync(table is null ? JsonSerializer.Serialize(body, Indented) : table(body));
            }
            return ExitCodes.Ok;
        }

        private async Task<int> ImmutaAsync(ApiAnswer answer, string mutation) =>
            answer.Succeeded && answer.Body is { } body && JsonNode.Parse(body.GetRawText()) is JsonObject configuration
                ? await PrintAsync(ImmutaAnswers.Of(mutation, configuration))
                : await FailedAsync(answer);

        private async Task<int> PrintAsync(JsonObject answer)
        {
            await _context.Output.WriteLineAsync(answer.ToJsonString(Indented));
            return ExitCodes.Ok;
        }

        private async Task<int> FailedAsync(ApiAnswer answer)
        {
            await _context.Error.WriteLineAsync(Problem(answer));
            return ExitCodes.ApiError;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

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
            lines.Add($"  Check the function key ({ApiConnection.KeyVariable}) and, if the app requires Entra ID, the token ({ApiConnection.TokenVariable}) or the app id ({ApiConnection.AppIdVariable}).");
        }
        return string.Join(Environment.NewLine, lines);
    }

    internal static string? Text(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
