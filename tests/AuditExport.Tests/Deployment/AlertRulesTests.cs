using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;
using AuditExport.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The alerts and workbook as Azure would receive them (compiled ARM JSON), checked against what the handler
/// really publishes: every metric a query reads is an instrument of the AuditExport meter, and every function
/// a query names has a function.json.
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly JsonElement Alerts = BicepCli.Module(CompiledTemplate.Main, "alerts");

    private static IReadOnlyList<JsonElement> Rules => Alerts.GetProperty("variables").GetProperty("rules").EnumerateArray().ToList();

    private static IReadOnlyList<string> ChartQueries =>
        Alerts.GetProperty("variables").GetProperty("charts").EnumerateArray().Select(c => c.GetProperty("query").GetString()!).ToList();

    [Fact]
    public void Alert_rules_cover_late_or_failing_configurations_quarantine_ingest_failures_and_a_stalled_consumer()
    {
        Assert.Equal(["export-late-or-failing", "health-check-not-running", "export-timer-failed", "events-quarantined", "ingest-failing", "ingest-behind"],
            Rules.Select(r => r.GetProperty("name").GetString()));
        var resources = BicepCli.ResourcesOf(Alerts).ToList();
        var queryRules = resources.Single(r => r.GetProperty("type").GetString() == "Microsoft.Insights/scheduledQueryRules");
        Assert.Equal("[length(variables('rules'))]", queryRules.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("[parameters('applicationInsightsId')]", queryRules.GetProperty("properties").GetProperty("scopes")[0].GetString());
        Assert.Contains("actionGroups", queryRules.GetProperty("properties").GetProperty("actions").GetProperty("actionGroups")[0].GetString());

        var stalled = resources.Single(r => r.GetProperty("type").GetString() == "Microsoft.Insights/metricAlerts");
        Assert.Equal(["IncomingMessages", "OutgoingMessages"],
            stalled.GetProperty("properties").GetProperty("criteria").GetProperty("allOf").EnumerateArray().Select(c => c.GetProperty("metricName").GetString()));
        Assert.Equal("[parameters('eventHubNamespaceId')]", stalled.GetProperty("properties").GetProperty("scopes")[0].GetString());
    }

    [Fact]
    public void The_action_group_mails_the_address_the_deployment_gives()
    {
        var group = BicepCli.ResourcesOf(Alerts).Single(r => r.GetProperty("type").GetString() == "Microsoft.Insights/actionGroups");
        var receivers = group.GetProperty("properties").GetProperty("emailReceivers").GetString()!;
        Assert.Contains("empty(parameters('alertEmail'))", receivers);
        Assert.Contains("'emailAddress', parameters('alertEmail')", receivers);
        var main = BicepCli.ResourcesOf(CompiledTemplate.Main).Single(r => r.GetProperty("name").GetString() == "alerts");
        Assert.Equal("[parameters('alertEmail')]", main.GetProperty("properties").GetProperty("parameters").GetProperty("alertEmail").GetProperty("value").GetString());
    }

    [Fact]
    public void Every_metric_and_function_the_alerts_and_workbook_query_exists()
    {
        var published = PublishedInstruments();
        var functions = Directory.GetDirectories(Path.Combine(RepositoryLayout.Root, "functions")).Select(Path.GetFileName).ToHashSet();
        var queries = Rules.Select(r => r.GetProperty("query").GetString()!).Concat(ChartQueries).ToList();
        Assert.Equal(9, ChartQueries.Count);
        foreach (var query in queries)
        {
            foreach (Match metric in MetricName().Matches(query))
            {
                Assert.Contains(metric.Groups[1].Value, published);
            }
            foreach (Match function in FunctionName().Matches(query))
            {
                Assert.True(functions.Contains(function.Groups[2].Value) || (function.Groups[1].Value == "startswith" && functions.Any(f => f!.StartsWith(function.Groups[2].Value, StringComparison.Ordinal))),
                    $"{function.Value} names no function folder");
            }
        }
        Assert.Equal(published.Order(), queries.SelectMany(q => MetricName().Matches(q)).Select(m => m.Groups[1].Value).Distinct().Order()); // every metric is charted or alerted on
    }

    [Fact]
    public void The_workbook_is_a_workbook_document_with_one_chart_per_query()
    {
        var workbook = BicepCli.ResourcesOf(Alerts).Single(r => r.GetProperty("type").GetString() == "Microsoft.Insights/workbooks");
        Assert.Equal("shared", workbook.GetProperty("kind").GetString());
        Assert.Equal("[string(createObject('version', 'Notebook/1.0', 'items', variables('workbookItems'), 'isLocked', false()))]",
            workbook.GetProperty("properties").GetProperty("serializedData").GetString());
        var items = Alerts.GetProperty("variables").GetProperty("copy").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "workbookItems");
        Assert.Equal("[length(variables('charts'))]", items.GetProperty("count").GetString());
    }

    private static HashSet<string> PublishedInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton(TimeProvider.System).AddSingleton<AuditExportMetrics>().BuildServiceProvider();
        var names = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == AuditExportMetrics.MeterName)
                {
                    lock (names)
                    {
                        names.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();
        services.GetRequiredService<AuditExportMetrics>();
        return names;
    }

    [GeneratedRegex("name == \"(auditexport\\.[a-z_.]+)\"")]
    private static partial Regex MetricName();

    [GeneratedRegex("operation_Name (==|startswith) \"(\\w+)\"")]
    private static partial Regex FunctionName();
}
