using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Diagnostics;

namespace AuditExport.Api;

/// <summary>
/// Error statuses without a body get a problem body (ASP.NET Core's status code pages). A 404 that no route answered
/// says why: function.json lets the host forward any <c>{id}</c>, and the handler's routes take only UUIDs, so a
/// mistyped id is told so instead of answered with an empty 404.
/// </summary>
public static class NoSuchRoute
{
    public const string IdHint = "Export configuration ids are UUIDs such as 0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e; the routes and their methods are in /api/openapi.json.";

    public static void Use(WebApplication app) => app.UseStatusCodePages(async context =>
    {
        var http = context.HttpContext;
        if (http.Response.StatusCode == StatusCodes.Status404NotFound && http.GetEndpoint() is null && http.Request.Path.StartsWithSegments("/api"))
        {
            await Results.Problem(title: "No such route.", detail: $"{http.Request.Method} {http.Request.Path} matches no route of this API. {IdHint}",
                statusCode: StatusCodes.Status404NotFound).ExecuteAsync(http);
            return;
        }
        await Results.Problem(statusCode: http.Response.StatusCode).ExecuteAsync(http);
    });
}
