using AuditExport.Configurations;
using AuditExport.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// Timer triggers (functions/ExportEvery*Hours, ExportBacklogs, PurgeExpiredAuditEvents, CheckExportHealth): the host POSTs
/// /{FunctionName}. Every configuration is tried, one failure never stops the others; then, if any export
/// failed, the invocation answers 500 so that the host counts it as a failed execution (the Functions
/// failure metric, the `requests` table, alerts). The timers declare no retry policy, so the host does not
/// rerun the invocation: the next tick redoes the failed job's window.
/// </summary>
public static class ExportTimerFunctions
{
    public static readonly IReadOnlyDictionary<string, ExportInterval> Timers = new Dictionary<string, ExportInterval>
    {
        ["ExportEvery2Hours"] = ExportInterval.EVERY_2_HOURS,
        ["ExportEvery4Hours"] = ExportInterval.EVERY_4_HOURS,
        ["ExportEvery6Hours"] = ExportInterval.EVERY_6_HOURS,
        ["ExportEvery12Hours"] = ExportInterval.EVERY_12_HOURS,
        ["ExportEvery24Hours"] = ExportInterval.EVERY_24_HOURS,
    };

    public const string PurgeFunction = "PurgeExpiredAuditEvents";
    public const string HealthFunction = "CheckExportHealth";

    /// <summary>Every 10 minutes: goes on with configurations whose last run stopped at its time budget (ScheduledExport.RunBacklogAsync).</summary>
    public const string BacklogFunction = "ExportBacklogs";

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (name, interval) in Timers)
        {
            app.MapPost($"/{name}", (ScheduledExport export, ILoggerFactory loggers, CancellationToken ct) =>
                InvokeAsync(name, loggers, async () =>
                {
                    var summary = await export.RunAsync(interval, name, ct);
                    return (summary, Describe(name, summary), summary.Failed > 0);
                })).ExcludeFromDescription();
        }
        app.MapPost($"/{BacklogFunction}", (ScheduledExport export, ILoggerFactory loggers, CancellationToken ct) =>
            InvokeAsync(BacklogFunction, loggers, async () =>
            {
                var summary = await export.RunBacklogAsync(BacklogFunction, ct);
                return (summary, Describe(BacklogFunction, summary), summary.Failed > 0);
            })).ExcludeFromDescription();
        app.MapPost($"/{PurgeFunction}", (RetentionService retention, ILoggerFactory loggers, CancellationToken ct) =>
            InvokeAsync(PurgeFunction, loggers, async () =>
            {
                var summary = await retention.PurgeAsync(ct);
                return (summary, $"{PurgeFunction}: purged {string.Join(", ", summary.PurgedMonths.DefaultIfEmpty("nothing"))} ({summary.DeletedRows} rows); kept unexported {string.Join(", ", summary.KeptMonths.DefaultIfEmpty("none"))}", false);
            })).ExcludeFromDescription();
        app.MapPost($"/{HealthFunction}", (ExportHealthCheck check, ILoggerFactory loggers, CancellationToken ct) =>
            InvokeAsync(HealthFunction, loggers, async () =>
            {
                var summary = await check.RunAsync(ct);
                // Unhealthy configurations are reported by metrics and alerts; the check itself worked.
                return (summary, $"{HealthFunction}: {string.Join(", ", summary.States.Where(s => s.Value > 0).Select(s => $"{s.Value} {s.Key}").DefaultIfEmpty("no configurations"))}", false);
            })).ExcludeFromDescription();
    }

    private static string Describe(string name, ScheduledExportSummary summary) =>
        $"{name}: {summary.Configurations} configurations, {summary.Succeeded} succeeded, {summary.Failed} failed, {summary.Busy} busy, {summary.UpToDate} up to date, "
        + $"{summary.Deferred} deferred, {summary.Behind} with more to export; {summary.Jobs} jobs, {summary.Records} records"
        + string.Concat(summary.Failures.Select(f => $"; failed {f}"));

    private static async Task<IResult> InvokeAsync<T>(string name, ILoggerFactory loggers, Func<Task<(T Summary, string Line, bool Failed)>> run)
    {
        try
        {
            var (summary, line, failed) = await run();
            return Results.Json(new InvocationResponse { Logs = [line], ReturnValue = summary }, HandlerJson.Options,
                statusCode: failed ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK);
        }
        catch (Exception e)
        {
            var error = Destinations.RetryPolicy.Describe(e);
            loggers.CreateLogger(name).LogError(e, "{Function} could not run: {Error}", name, error);
            return Results.Json(new InvocationResponse { Logs = [$"{name} failed: {error}"] }, HandlerJson.Options,
                statusCode: StatusCodes.Status500InternalServerError);
        }
    }
}
