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

    /// <summary>
    /// function.json's <c>dataType</c> (a test holds them equal): <c>"binary"</c>, so each message arrives as its exact
    /// bytes (base64). With <c>"string"</c> the host decodes bodies as UTF-8 first and a body that is not UTF-8 is altered
    /// before it could be quarantined as it was sent.
    /// </summary>
    public const string DataType = "binary";

    public const EventBodyEncoding BodyEncoding = DataType == "binary" ? EventBodyEncoding.Base64 : EventBodyEncoding.Text;

    public static async Task<IResult> InvokeAsync(HttpRequest request, IngestService ingest, AuditExportMetrics metrics, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(Name);
        var logs = new List<string>();
        InvocationBody invocation;
        try
        {
            invocation = await InvocationBody.ReadAsync(request, ingest.Options.InvocationMemoryBytes, BindingName, cancellationToken);
        }
        catch (JsonException e)
        {
            logs.Add($"The invocation body is not JSON: {e.Message}");
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (Exception e) when (e is InvalidDataException || e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            // Unreachable with host.json's maxEventBatchSize (a test derives that batch's largest body from it).
            var message = $"The invocation body is larger than {SpooledMemory.MaxBytes} bytes, the most one invocation can carry; nothing was stored and the host will retry. " +
                "Lower extensions.eventHubs.maxEventBatchSize in host.json so that a batch fits.";
            logger.LogError("{Message}", message);
            logs.Add(message);
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        using var _ = invocation;
        try
        {
            if (invocation.IsSpooled)
            {
                logger.LogInformation("The invocation body is {Bytes} bytes; it was spooled to a temporary file and is ingested in parts of at most {PartBytes} bytes.",
                    invocation.Length, ingest.Options.InvocationMemoryBytes);
            }
            IngestSummary? total = null;
            DateTimeOffset? firstEnqueued = null;
            foreach (var part in EventHubInvocationReader.ReadParts(invocation.Data, invocation.Metadata, BindingName, logs, ingest.Options.InvocationMemoryBytes, ingest.Options.InvocationMemoryBytes, BodyEncoding,
                invocation.EventsString))
            {
                var summary = await ingest.IngestAsync(part, cancellationToken);
                total = total is null ? summary : total.Add(summary);
                firstEnqueued = Earliest(firstEnqueued, part.Elements.Min(e => e.EnqueuedTimeUtc));
            }
            metrics.Ingested(total!.Accepted, total.Duplicates, total.QuarantinedByReason, firstEnqueued);
            logs.Add(total!.ToString());
            logger.LogInformation("{Summary}", total.ToString());
            if (total.Quarantined > 0)
            {
                logger.LogWarning("{Count} events quarantined from partition {Partition}: {Reasons}", total.Quarantined, total.SourcePartition ?? "-",
                    string.Join(", ", total.QuarantinedByReason.Select(r => $"{r.Value} {r.Key}")));
            }
            return Results.Json(new InvocationResponse { Logs = logs, ReturnValue = total }, HandlerJson.Options);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = Destinations.RetryPolicy.Describe(e);
            logger.LogError(e, "Ingest failed; answering 500 so the host retries the batch: {Error}", error);
            logs.Add($"Ingest failed, the batch will be retried: {error}");
            return Results.Json(new InvocationResponse { Logs = logs }, HandlerJson.Options, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
