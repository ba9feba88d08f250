using System.Text.Json;
using AuditExport.Ingest;
using AuditExport.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// The Event Hub trigger (functions/IngestAuditEvents/function.json). Answers 2xx only when every event is
/// stored or quarantined; any failure answers 500 so the host retries the batch.
/// </summary>
public static class IngestAuditEventsFunction
{
    public const string Name = "IngestAuditEvents";
    public const string BindingName = "events";

    public static async Task<IResult> InvokeAsync(HttpRequest request, IngestService ingest, AuditExportMetrics metrics, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(Name);
        var logs = new List<string>();
        InvocationBody invocation;
        try
        {
            invocation = await InvocationBody.ReadAsync(request, cancellationToken);
        }
        catch (JsonException e)
        {
            logs.Add($"The invocation body is not JSON: {e.Message}");
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Answered in the invocation shape, so the host logs the reason with the failed invocation.
            var message = $"The invocation body is larger than {HandlerApp.MaxInvocationBytes / 1024 / 1024} MiB; nothing was stored and the host will retry. " +
                "Lower extensions.eventHubs.maxEventBatchSize in host.json so that a batch fits.";
            logger.LogError("{Message}", message);
            logs.Add(message);
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        using var _ = invocation;
        try
        {
            var batch = EventHubInvocationReader.Read(invocation.Data, invocation.Metadata, BindingName, logs);
            var summary = await ingest.IngestAsync(batch, cancellationToken);
            metrics.Ingested(summary, batch.Elements.Min(e => e.EnqueuedTimeUtc));
            logs.Add(summary.ToString());
            logger.LogInformation("{Summary}", summary.ToString());
            if (summary.Quarantined > 0)
            {
                logger.LogWarning("{Count} events quarantined from partition {Partition}: {Reasons}", summary.Quarantined, summary.SourcePartition ?? "-",
                    string.Join(", ", summary.QuarantinedByReason.Select(r => $"{r.Value} {r.Key}")));
            }
            return Results.Json(new InvocationResponse { Logs = logs, ReturnValue = summary }, HandlerJson.Options);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = Destinations.RetryPolicy.Describe(e);
            logger.LogError(e, "Ingest failed; answering 500 so the host retries the batch: {Error}", error);
            logs.Add($"Ingest failed, the batch will be retried: {error}");
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status500InternalServerError);
        }
    }
}
