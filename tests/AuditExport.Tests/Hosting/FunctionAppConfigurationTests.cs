using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

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
    public void Host_json_declares_the_custom_handler_bundle_and_retries()
    {
        var host = ReadJson("host.json");
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("[4.*, 5.0.0)", host.GetProperty("extensionBundle").GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.Equal("handler/AuditExport", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableProxyingHttpRequest").GetBoolean());
        Assert.True(host.GetProperty("extensions").GetProperty("eventHubs").GetProperty("maxEventBatchSize").GetInt32() > 0);
        Assert.Equal(-1, host.GetProperty("retry").GetProperty("maxRetryCount").GetInt32());
    }

    [Fact]
    public void Ingest_function_binds_the_event_hub_as_the_handler_reads_it()
    {
        var binding = Assert.Single(ReadJson("functions", "IngestAuditEvents", "function.json").GetProperty("bindings").EnumerateArray());
        Assert.Equal("eventHubTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(IngestAuditEventsFunction.BindingName, binding.GetProperty("name").GetString());
        Assert.Equal("many", binding.GetProperty("cardinality").GetString());
        Assert.Equal("%EventHubName%", binding.GetProperty("eventHubName").GetString());
        Assert.Equal("%EventHubConsumerGroup%", binding.GetProperty("consumerGroup").GetString());
        Assert.Equal("EventHubConnection", binding.GetProperty("connection").GetString());
    }

    [Fact]
    public async Task Every_function_folder_has_an_endpoint_in_the_handler()
    {
        await using var handler = await TestHandler.StartAsync(new Dictionary<string, string> { ["AuditStorage"] = "UseDevelopmentStorage=true" });
        foreach (var function in FunctionFolders())
        {
            var result = await handler.Host.InvokeAsync(function, new System.Text.Json.Nodes.JsonObject { ["Data"] = new System.Text.Json.Nodes.JsonObject(), ["Metadata"] = new System.Text.Json.Nodes.JsonObject() });
            Assert.NotEqual(404, result.Status);
        }
    }

    [Fact]
    public void Every_setting_the_code_reads_and_every_binding_expression_is_in_the_settings_sample()
    {
        var sample = ReadJson("local.settings.sample.json").GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var source = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions", "AuditExport"), "*.cs", SearchOption.AllDirectories)
            .Select(File.ReadAllText).ToList();
        var read = source.SelectMany(s => SettingRead().Matches(s)).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("IngestShardCount", read); // the pattern finds real reads
        read.Add(AuditExport.Storage.StorageConnectionSettings.Name);
        var expressions = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .SelectMany(f => BindingExpression().Matches(File.ReadAllText(f))).Select(m => m.Groups[1].Value);

        var missing = read.Concat(expressions).Where(name => !sample.Contains(name)).ToList();
        Assert.True(missing.Count == 0, "missing from local.settings.sample.json: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"configuration(?:\[|\.GetValue(?:<\w+>)?\(|\.GetSection\()""(\w+)""")]
    private static partial Regex SettingRead();

    [GeneratedRegex("%(\\w+)%")]
    private static partial Regex BindingExpression();
}
