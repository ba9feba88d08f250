using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// Every log record written while the host's invocation is handled carries its id (<c>X-Azure-Functions-InvocationId</c>,
/// which the host sends with each invocation and each proxied HTTP request) and the function's name, as the fields
/// <c>InvocationId</c> and <c>FunctionName</c>. The host does not read the Logs of an answer that is not 2xx, so a failed
/// execution in Application Insights' <c>requests</c> is joined to its reasons through these fields (customDimensions).
/// </summary>
public static class InvocationLogScope
{
    public const string InvocationIdHeader = "X-Azure-Functions-InvocationId";

    public static void Use(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InvocationLogScope).FullName!);
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers[InvocationIdHeader].FirstOrDefault() is not { Length: > 0 and <= 64 } invocationId)
            {
                await next(context);
                return;
            }
            using (logger.BeginScope(new Dictionary<string, object>
            {
                ["InvocationId"] = invocationId,
                ["FunctionName"] = FunctionName(context),
            }))
            {
                await next(context);
            }
        });
    }

    /// <summary>An invocation's path is its function (/IngestAuditEvents); an API request is named by its route.</summary>
    private static string FunctionName(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
        ?? context.Request.Path.Value?.Trim('/').Split('/')[0] ?? "";
}
