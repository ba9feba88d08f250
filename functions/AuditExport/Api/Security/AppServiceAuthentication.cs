using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuditExport.Api.Security;

/// <summary>
/// ASP.NET Core authentication for what App Service Authentication forwards: the <c>X-MS-CLIENT-PRINCIPAL</c> header
/// becomes the request's <see cref="ClaimsPrincipal"/> (name, object id, app roles). With <c>ApiAuthentication</c> =
/// <c>FunctionKeysOnly</c> every request is the function-key caller, who holds every role (local development only).
/// A refusal is a 401 problem saying what is missing.
/// </summary>
public sealed class AppServiceAuthenticationHandler(IOptionsMonitor<AppServiceAuthenticationOptions> options, ILoggerFactory loggers, UrlEncoder encoder)
    : AuthenticationHandler<AppServiceAuthenticationOptions>(options, loggers, encoder)
{
    public const string SchemeName = "AppServicePrincipal";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? problem = null;
        var caller = Options.RequireEntraId ? Caller.Read(Request, out problem) : Caller.FunctionKey;
        return Task.FromResult(caller is null
            ? AuthenticateResult.Fail(problem!)
            : AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var problem = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Logger.LogWarning("Refused {Method} {Path}: {Problem}", Request.Method, Request.Path, problem);
        await Results.Problem(title: "Authentication required.", detail: problem, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}

public sealed class AppServiceAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>False only with <c>ApiAuthentication</c> = <c>FunctionKeysOnly</c>.</summary>
    public bool RequireEntraId { get; set; } = true;
}
