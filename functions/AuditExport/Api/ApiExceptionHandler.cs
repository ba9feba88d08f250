using System.Diagnostics;
using System.Net.Http;
using AuditExport.Destinations;
using Azure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace AuditExport.Api;

/// <summary>
/// What the API answers when a request fails unexpectedly: problem+json with a status that fits and a sentence
/// the caller can act on. Storage that cannot be reached is 503 with Retry-After (it passes); anything else is
/// 500 naming the trace id under which the log has the details.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 30;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        var cause = RetryPolicy.Cause(exception);
        var (status, title, detail) = cause switch
        {
            RequestFailedException { Status: 401 or 403 } denied => (StatusCodes.Status503ServiceUnavailable, "The app cannot access its storage.",
                $"{RetryPolicy.Describe(denied)}. Check that the app's identity has the Storage Table Data Contributor and Storage Blob Data Owner roles."),
            RequestFailedException { Status: 0 or 408 or 429 or >= 500 } or HttpRequestException or TimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "Storage is unavailable.", $"{RetryPolicy.Describe(cause)}. Retry later; /api/health shows what is failing."),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error.", $"The request failed unexpectedly; the log has the details under trace id {traceId}."),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "{Method} {Path} failed (trace id {TraceId})", context.Request.Method, context.Request.Path, traceId);
        }
        else
        {
            logger.LogWarning("{Method} {Path} answered {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        }
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["traceId"] = traceId } },
        });
    }
}
