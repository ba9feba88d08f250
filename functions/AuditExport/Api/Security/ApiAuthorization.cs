using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditExport.Api.Security;

/// <summary>
/// Enforces the API's roles on every /api route but health: reading needs <see cref="ApiRoles.Reader"/> (or
/// Admin), anything that changes or sends needs <see cref="ApiRoles.Admin"/>. With <c>ApiAuthentication</c> =
/// <c>EntraId</c> (the default, and what the Bicep deploys) a request without a forwarded principal is refused;
/// <c>FunctionKeysOnly</c> turns the check off for local development. Function keys stay required by the host.
/// </summary>
public static class ApiAuthorization
{
    public const string SettingName = "ApiAuthentication";
    public const string EntraId = "EntraId";
    public const string FunctionKeysOnly = "FunctionKeysOnly";
    private const string CallerItem = "AuditExport.Caller";
    private static readonly string[] Anonymous = ["/api/health"];

    public static bool RequiresEntraId(IConfiguration configuration)
    {
        var mode = configuration[ApiAuthorization.SettingName] ?? EntraId;
        return mode switch
        {
            EntraId => true,
            FunctionKeysOnly => false,
            _ => throw new InvalidOperationException($"{SettingName} must be {EntraId} or {FunctionKeysOnly}; it is '{mode}'."),
        };
    }

    /// <summary>The caller of this request (set for every /api route that needs one).</summary>
    public static Caller CallerOf(HttpContext context) => context.Items[CallerItem] as Caller ?? Caller.FunctionKey;

    public static void Use(WebApplication app, bool requireEntraId)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiAuthorization).FullName!);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/api") || Anonymous.Any(a => path.Equals(a, StringComparison.OrdinalIgnoreCase)))
            {
                await next(context);
                return;
            }
            string? problem = null;
            var caller = requireEntraId ? Caller.Read(context.Request, out problem) : Caller.FunctionKey;
            if (caller is null)
            {
                logger.LogWarning("Refused {Method} {Path}: {Problem}", context.Request.Method, path, problem);
                await Results.Problem(title: "Authentication required.", detail: problem, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                return;
            }
            var needed = context.GetEndpoint()?.Metadata.GetMetadata<RequiredRole>()?.Role
                ?? (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? ApiRoles.Reader : ApiRoles.Admin);
            if (!caller.Has(needed))
            {
                logger.LogWarning("Refused {Method} {Path} for {Caller} ({CallerId}): the role {Role} is missing", context.Request.Method, path, caller.Name, caller.Id, needed);
                await Results.Problem(title: "Forbidden.",
                    detail: caller.Lacks(needed, $"{context.Request.Method} {path}"),
                    statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }
            context.Items[CallerItem] = caller;
            await next(context);
        });
    }
}

/// <summary>Endpoint metadata for a route whose role does not follow from its method (reading needs Reader, anything else Admin).</summary>
public sealed record RequiredRole(string Role);
