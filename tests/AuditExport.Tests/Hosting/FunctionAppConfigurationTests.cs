using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AuditExport.Export;

namespace AuditExport.Tests.Hosting;

/// <summary>host.json, function.json and the settings sample agree with what the handler serves and reads.</summary>
public sealed partial class FunctionAppConfigurationTests
{
    private static JsonElement ReadJson(params string[] path) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine([RepositoryLayout.Root, .. path]))).RootElement;

    private static IEnumerable<string> FunctionFolders() =>
        Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f)!));

    [Fact]
    public void Host_json_declares_the_custom_handler_and_bundle_and_only_ingest_retries_without_limit()
    {
        var host = ReadJson("host.json");
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("[4.*, 5.0.0)", host.GetProperty("extensionBundle").GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.Equal("handler/AuditExport", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableProxyingHttpRequest").GetBoolean());
        Assert.True(host.GetProperty("extensions").GetProperty("eventHubs").GetProperty("maxEventBatchSize").GetInt32() > 0);
        Assert.False(host.TryGetProperty("retry", out _), "a host-level retry would make the export and purge timers retry forever too");

        // Ingest retries a failed batch until storage is back: the host moves on (and loses the batch) only after the last retry.
        var retry = ReadJson("functions", "IngestAuditEvents", "function.json").GetProperty("retry");
        Assert.Equal("exponentialBackoff", retry.GetProperty("strategy").GetString());
        Assert.Equal(-1, retry.GetProperty("maxRetryCount").GetInt32());
        foreach (var function in FunctionFolders().Where(f => f != "IngestAuditEvents"))
        {
            Assert.False(ReadJson("functions", function, "function.json").TryGetProperty("retry", out _), $"{function} must not retry without limit");
        }
    }

    [Fact]
    public void Ingest_function_binds_the_event_hub_as_the_handler_reads_it()
    {
        var binding = Assert.Single(ReadJson("functions", "IngestAuditEvents", "function.json").GetProperty("bindings").EnumerateArray());
        Assert.Equal("eventHubTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(IngestAuditEventsFunction.BindingName, binding.GetProperty("name").GetString());
        Assert.Equal("many", binding.GetProperty("cardinality").GetString());
        Assert.Equal(IngestAuditEventsFunction.DataType, binding.GetProperty("dataType").GetString()); // how the reader decodes bodies
        Assert.Equal("binary", IngestAuditEventsFunction.DataType); // exact bytes, not the host's UTF-8 decoding
        Assert.Equal("%EventHubName%", binding.GetProperty("eventHubName").GetString());
        Assert.Equal("%EventHubConsumerGroup%", binding.GetProperty("consumerGroup").GetString());
        Assert.Equal("EventHubConnection", binding.GetProperty("connection").GetString());
    }

    private static async Task<HashSet<string>> HandlerEndpointsAsync()
    {
        await using var handler = await TestHandler.StartAsync(new Dictionary<string, string> { ["AuditStorage"] = "UseDevelopmentStorage=true", ["SecretProtectionKeys"] = TestKeys.Current, ["DigestSigningKeys"] = TestKeys.Signing });
        return handler.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m.ToUpperInvariant()} {WithoutConstraints(e.RoutePattern.RawText!.TrimEnd('/'))}"))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A template without its constraints: function.json forwards any <c>{id}</c>, and the handler's <c>{id:guid}</c> takes
    /// only UUIDs and answers the rest with a problem (NoSuchRoute), so the two differ only in the constraint.
    /// </summary>
    private static string WithoutConstraints(string template) => Regex.Replace(template, @"\{(\w+):[^}]+\}", "{$1}");

    /// <summary>Only health is anonymous: the platform's probes and uptime checks need it without a key, and it says nothing secret.</summary>
    private static readonly HashSet<string> Anonymous = ["Health"];

    [Fact]
    public async Task Every_function_folder_has_an_endpoint_in_the_handler_with_its_route_and_methods()
    {
        var endpoints = await HandlerEndpointsAsync();

        var functions = FunctionFolders().ToList();
        Assert.True(functions.Count >= 10, $"found only {functions.Count} function folders");
        foreach (var function in functions)
        {
            var binding = ReadJson("functions", function, "function.json").GetProperty("bindings")[0];
            if (binding.GetProperty("type").GetString() == "httpTrigger")
            {
                Assert.Equal(Anonymous.Contains(function) ? "anonymous" : "function", binding.GetProperty("authLevel").GetString());
                var route = "/api/" + binding.GetProperty("route").GetString();
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    Assert.True(endpoints.Contains($"{method.GetString()} {route}"), $"{function}: no {method} {route} in the handler");
                }
            }
            else
            {
                Assert.True(endpoints.Contains($"POST /{function}"), $"{function}: no POST /{function} invocation endpoint");
            }
        }
    }

    [Fact]
    public async Task Every_route_the_handler_maps_is_declared_by_a_function_json_with_the_same_template_and_methods()
    {
        var layout = FunctionAppLayout.Read();
        var declared = layout.Functions.SelectMany(f => f.IsHttp
                ? f.Methods.Select(m => $"{m.ToUpperInvariant()} /{layout.RoutePrefix}/{f.Route}")
                : [$"POST /{f.Name}"])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var undeclared = (await HandlerEndpointsAsync()).Where(e => !declared.Contains(e)).ToList();
        Assert.True(undeclared.Count == 0, "mapped by the handler but unreachable through the Functions host (no function.json): " + string.Join(", ", undeclared));
    }

    [Fact]
    public async Task OpenApi_document_describes_every_configuration_route()
    {
        await using var handler = await TestHandler.StartAsync(new Dictionary<string, string> { ["AuditStorage"] = "UseDevelopmentStorage=true", ["SecretProtectionKeys"] = TestKeys.Current, ["DigestSigningKeys"] = TestKeys.Signing });
        using var http = handler.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/openapi.json"));
        var paths = document.RootElement.GetProperty("paths");

        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        Assert.Equal("Audit export API", document.RootElement.GetProperty("info").GetProperty("title").GetString());
        foreach (var (path, method) in new[]
        {
            ("/api/export-configurations/s3-access-key", "post"), ("/api/export-configurations/s3-assumed-role", "post"),
            ("/api/export-configurations/adls-sas-token", "post"), ("/api/export-configurations", "get"),
            ("/api/export-configurations/{id}", "get"), ("/api/export-configurations/{id}", "put"), ("/api/export-configurations/{id}", "delete"),
            ("/api/export-configurations/{id}/enable", "post"), ("/api/export-configurations/{id}/disable", "post"),
            ("/api/export-configurations/{id}/test-connection", "post"),
        })
        {
            var item = paths.EnumerateObject().FirstOrDefault(p => p.Name.TrimEnd('/') == path);
            Assert.True(item.Value.ValueKind == JsonValueKind.Object, $"{path} is not in the document: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
            Assert.True(item.Value.TryGetProperty(method, out _), $"{method} {path} is not in the document");
        }
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("ConfigurationResponse").GetProperty("properties").TryGetProperty("health", out _), schemas.GetProperty("ConfigurationResponse").ToString());
        Assert.Equal(Enum.GetNames<AuditExport.Export.HealthState>(), schemas.GetProperty("HealthState").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(schemas.GetProperty("ExportJobResponse").GetProperty("properties").TryGetProperty("history", out _));
        var list = paths.EnumerateObject().Single(p => p.Name.TrimEnd('/') == "/api/export-configurations").Value.GetProperty("get");
        Assert.Contains(list.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "health");
    }

    [Fact]
    public void Every_setting_the_code_reads_and_every_binding_expression_is_in_the_settings_sample()
    {
        var sample = ReadJson("local.settings.sample.json").GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var read = AuditExport.Tests.Deployment.SettingsInCode.Read();
        Assert.Contains("IngestShardCount", read); // literal reads are found
        Assert.Contains("SecretProtectionKeys", read); // reads through a constant are found
        Assert.Contains("AuditStorage", read);
        var expressions = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .SelectMany(f => BindingExpression().Matches(File.ReadAllText(f))).Select(m => m.Groups[1].Value);

        var missing = read.Concat(expressions).Where(name => !sample.Contains(name)).ToList();
        Assert.True(missing.Count == 0, "missing from local.settings.sample.json: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("ExportEvery2Hours", "0 0 */2 * * *")]
    [InlineData("ExportEvery4Hours", "0 0 */4 * * *")]
    [InlineData("ExportEvery6Hours", "0 0 */6 * * *")]
    [InlineData("ExportEvery12Hours", "0 0 */12 * * *")]
    [InlineData("ExportEvery24Hours", "0 0 0 * * *")]
    [InlineData("PurgeExpiredAuditEvents", "0 30 3 * * *")]
    [InlineData("ExportBacklogs", "0 5-55/10 * * * *")] // between the interval timers' whole hours
    [InlineData("CheckExportHealth", "0 */15 * * * *")]
    public void Timers_fire_on_utc_aligned_schedules_matching_their_interval(string function, string schedule)
    {
        var binding = Assert.Single(ReadJson("functions", function, "function.json").GetProperty("bindings").EnumerateArray());
        Assert.Equal("timerTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(schedule, binding.GetProperty("schedule").GetString());
        if (AuditExport.Hosting.ExportTimerFunctions.Timers.TryGetValue(function, out var interval))
        {
            Assert.Equal($"EVERY_{(int)interval}_HOURS", interval.ToString());
            Assert.EndsWith((int)interval == 24 ? "0 0 0 * * *" : $"*/{(int)interval} * * *", schedule);
        }
    }

    [Fact]
    public void Settings_sample_values_are_usable_as_they_are()
    {
        var values = ReadJson("local.settings.sample.json").GetProperty("Values");
        var protector = AuditExport.Configurations.SecretProtector.FromSetting(values.GetProperty("SecretProtectionKeys").GetString());
        Assert.Equal("dev", protector.CurrentKeyId);
        Assert.Equal("true", values.GetProperty("AllowCustomEndpoints").GetString());
        AuditExport.Storage.StorageConnection.FromConnectionString(values.GetProperty("AuditStorage").GetString()!);
        var export = Export(values.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()));
        Assert.Equal(TimeSpan.FromSeconds(450), export.TimeBudget); // empty: three quarters of host.json's 10 minutes
    }

    [Fact]
    public void The_export_time_budget_follows_the_host_function_timeout_as_the_host_resolves_it()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), FunctionTimeout.Resolve(Configuration([]), [RepositoryLayout.Root]));
        Assert.Equal(TimeSpan.FromMinutes(7.5), Export([]).TimeBudget); // found above the test's bin folder

        var app = Directory.CreateTempSubdirectory("app-");
        try
        {
            File.WriteAllText(Path.Combine(app.FullName, "host.json"), """{ "version": "2.0", "functionTimeout": "00:04:00" }""");
            var handler = app.CreateSubdirectory("handler"); // the package's layout: host.json above the handler's folder
            Assert.Equal(TimeSpan.FromMinutes(4), FunctionTimeout.Resolve(Configuration([]), [handler.FullName]));
            Assert.Equal(TimeSpan.FromMinutes(30), FunctionTimeout.Resolve(Configuration(new() { ["AzureFunctionsJobHost:functionTimeout"] = "00:30:00" }), [handler.FullName]));
            Assert.Null(FunctionTimeout.Resolve(Configuration(new() { ["AzureFunctionsJobHost:functionTimeout"] = "-1" }), [handler.FullName]));
            var wrong = Assert.Throws<InvalidOperationException>(() => FunctionTimeout.Resolve(Configuration(new() { ["AzureFunctionsJobHost:functionTimeout"] = "ten minutes" }), []));
            Assert.Contains("AzureFunctionsJobHost__functionTimeout", wrong.Message);
        }
        finally
        {
            app.Delete(recursive: true);
        }
        Assert.Equal(TimeSpan.FromMinutes(45), Export(new() { ["AzureFunctionsJobHost:functionTimeout"] = "-1" }).TimeBudget);
        Assert.Equal(TimeSpan.FromSeconds(90), Export(new() { ["ExportTimeBudgetSeconds"] = "90" }).TimeBudget);
        var refused = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Export(new() { ["ExportMaxRecordsPerJob"] = "0", ["ExportParallelism"] = "65" }));
        Assert.Equal("ExportParallelism must be 1 to 64.; ExportMaxRecordsPerJob must be at least 1.", refused.Message); // every problem, in one line
    }

    /// <summary>The export options as the handler registers them: read from settings, validated when first resolved.</summary>
    private static ExportOptions Export(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection();
        SettingsOptions.Add<ExportOptions>(services, Configuration(values), ExportOptions.Read, ExportOptions.Problems);
        return services.BuildServiceProvider().GetRequiredService<ExportOptions>();
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [GeneratedRegex("%(\\w+)%")]
    private static partial Regex BindingExpression();
}
