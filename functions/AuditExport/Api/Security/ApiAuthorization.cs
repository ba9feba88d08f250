using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AuditExport.Api.Security;

/// <summary>
/// Who may call the API, the ASP.NET Core way: <see cref="AppServiceAuthenticationHandler"/> turns the principal App Service
/// Authentication forwards into the request's user, and each route group requires a policy (<see cref="ApiPolicies"/>):
/// reading needs Reader (or Admin), anything that changes or sends needs Admin; health is anonymous. With
/// <c>ApiAuthentication</c> = <c>EntraId</c> (the default, and what the Bicep deploys) a request without a forwarded principal
/// is refused; <c>FunctionKeysOnly</c> turns the check off for local development. Function keys stay required by the host.
/// </summary>
public static class ApiAuthorization
{
    public const string SettingName = "ApiAuthentication";
    public const string EntraId = "EntraId";
    public const string FunctionKeysOnly = "FunctionKeysOnly";

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

    public static void AddServices(IServiceCollection services, bool requireEntraId)
    {
        // Only the API's routes authenticate (their policies name the scheme): invocations from the host never do.
        services.AddAuthentication(o =>
            {
                o.DefaultChallengeScheme = AppServiceAuthenticationHandler.SchemeName;
                o.DefaultForbidScheme = AppServiceAuthenticationHandler.SchemeName;
            })
            .AddScheme<AppServiceAuthenticationOptions, AppServiceAuthenticationHandler>(AppServiceAuthenticationHandler.SchemeName, o => o.RequireEntraId = requireEntraId);
        services.AddAuthorization(ApiPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, AppRoleHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiForbiddenAnswer>();
    }

    /// <summary>The caller of this request (every API route authenticates it; the function-key caller otherwise).</summary>
    public static Caller CallerOf(HttpContext context) => Caller.From(context.User) ?? Caller.FunctionKey;
}
