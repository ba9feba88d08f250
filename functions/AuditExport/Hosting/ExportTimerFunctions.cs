using AuditExport.Configurations;
using AuditExport.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// Timer triggers (functions/ExportEvery*Hours, functions/PurgeExpiredAuditEvents): the host POSTs
/// /{FunctionName}. A configuration whose export fails is recorded as a failed job and does not fail the
/// invocation; only a failure to run at all (storage down) answers 500.
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

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (name, interval) in Timers)
        {
            app.MapPost($"/{name}", (ScheduledExport export, ILoggerFactory loggers, CancellationToken ct) =>
                InvokeAsync(name, loggers, async () =>
                {
                    var summary = await export.RunAsync(interval, name, ct);
                    return (summary, $"{name}: {summary.Configurations} configurations, {summary.Succeeded} succeeded, {summary.Failed} failed, {summary.Busy} busy, {summary.UpToDate} up to date, {summary.Records} records");
                })).ExcludeFromDescription();
        }
        app.MapPost($"/{PurgeFunction}", (RetentionService retention, ILoggerFactory loggers, CancellationToken ct) =>
            InvokeAsync(PurgeFunction, loggers, async () =>
            {
                var summary = await retention.PurgeAsync(ct);
                return (summary, $"{PurgeFunction}: purged {string.Join(", ", summary.PurgedMonths.DefaultIfEmpty("nothing"))} ({summary.DeletedRows} rows); kept unexported {string.Join(", ", summary.KeptMonths.DefaultIfEmpty("none"))}");
            })).ExcludeFromDescription();
    }

    private static async Task<IResult> InvokeAsync<T>(string name, ILoggerFactory loggers, Func<Task<(T Summary, string Line)>> run)
    {
        try
        {
            var (summary, line) = await run();
            return Results.Json(new InvocationResponse { Logs = [line], ReturnValue = summary }, HandlerJson.Options);
        }
        catch (Exception e)
        {
            loggers.CreateLogger(name).LogError(e, "{Function} could not run", name);
            return Results.Json(new InvocationResponse { Logs = [$"{name} failed: {e.GetType().Name}: {e.Message}"] }, HandlerJson.Options,
                statusCode: StatusCodes.Status500InternalServerError);
        }
    }
}
