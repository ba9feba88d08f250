using AuditExport.Configurations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// While the secret-protection keys are unavailable (<see cref="SecretProtector.UnavailableReason"/>), every request but
/// the health probe is refused with the reason: API calls with 503 and Retry-After, invocations with 500 in the host's
/// shape, so the host retries ingest later and events stay in Event Hubs. The reason is also logged, with the invocation's id.
/// Each refused request first lets <see cref="SecretKeysResolver"/> try to read the keys from Key Vault: once it can, the
/// gate opens without a restart.
/// </summary>
public static class SecretKeysGate
{
    public static void Use(WebApplication app)
    {
        var secrets = app.Services.GetRequiredService<SecretProtector>();
        if (secrets.UnavailableReason is not { } startReason)
        {
            return;
        }
        var resolver = app.Services.GetRequiredService<SecretKeysResolver>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecretKeysGate).FullName!);
        logger.LogError("Started without usable secret-protection keys; refusing API calls and invocations until they are: {Reason}", startReason);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.Equals("/api/health", StringComparison.OrdinalIgnoreCase) || await resolver.EnsureAsync(context.RequestAborted))
            {
                await next(context);
                return;
            }
            var reason = secrets.UnavailableReason ?? startReason;
            logger.LogError("Refused {Method} {Path}: {Reason}", context.Request.Method, path, reason);
            if (path.StartsWithSegments("/api"))
            {
                context.Response.Headers.RetryAfter = "60";
                await Results.Problem(title: "The app cannot read its secret-protection keys.", detail: reason, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
                return;
            }
            await Results.Json(new InvocationResponse { Logs = [reason] }, HandlerJson.Options, statusCode: StatusCodes.Status500InternalServerError).ExecuteAsync(context);
        });
    }
}
