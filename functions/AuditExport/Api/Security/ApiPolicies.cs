using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AuditExport.Api.Security;

/// <summary>The API's two policies: reading needs <see cref="ApiRoles.Reader"/> (Admin includes it), changing <see cref="ApiRoles.Admin"/>.</summary>
public static class ApiPolicies
{
    public const string Reader = "Reader";
    public const string Admin = "Admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Reader, Policy(ApiRoles.Reader));
        options.AddPolicy(Admin, Policy(ApiRoles.Admin));
    }

    private static AuthorizationPolicy Policy(string role) => new AuthorizationPolicyBuilder(AppServiceAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser().AddRequirements(new AppRoleRequirement(role)).Build();
}

/// <summary>The caller holds this app role (see <see cref="Caller.Has"/>: Admin includes Reader).</summary>
public sealed record AppRoleRequirement(string Role) : IAuthorizationRequirement;

public sealed class AppRoleHandler : AuthorizationHandler<AppRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AppRoleRequirement requirement)
    {
        if (Caller.From(context.User) is { } caller && caller.Has(requirement.Role))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

/// <summary>The 403 answer, in one place: a problem naming the caller, the role missing and the route that needs it.</summary>
public sealed class ApiForbiddenAnswer(ILogger<ApiForbiddenAnswer> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && policy.Requirements.OfType<AppRoleRequirement>().FirstOrDefault() is { } needed && Caller.From(context.User) is { } caller)
        {
            var path = context.Request.Path;
            logger.LogWarning("Refused {Method} {Path} for {Caller} ({CallerId}): the role {Role} is missing", context.Request.Method, path, caller.Name, caller.Id, needed.Role);
            await Results.Problem(title: "Forbidden.", detail: caller.Lacks(needed.Role, $"{context.Request.Method} {path}"), statusCode: StatusCodes.Status403Forbidden)
                .ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
