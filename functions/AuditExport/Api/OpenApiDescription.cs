using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AuditExport.Api;

/// <summary>
/// The OpenAPI document a client is generated from (committed as <c>Api/openapi.json</c>; a test keeps it equal to what
/// <c>/api/openapi.json</c> serves): the function-key and bearer security schemes on every route but health, and the
/// problem answers every route shares.
/// </summary>
public static class OpenApiDescription
{
    public const string FunctionKey = "functionKey";
    public const string Bearer = "bearer";

    public static void Add(IServiceCollection services) => services.AddOpenApi(o =>
    {
        // Enums are written by name (JsonStringEnumConverter), but the generator leaves out their type: without
        // "type": "string" a generated client (NSwag) sends them as numbers, which the API refuses.
        o.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema.Type is null && schema.Enum is { Count: > 0 } values && values.All(v => v?.GetValueKind() == System.Text.Json.JsonValueKind.String))
            {
                schema.Type = JsonSchemaType.String;
            }
            return Task.CompletedTask;
        });
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Audit export API";
            document.Info.Version = "1";
            document.Info.Description = "Export configurations: where and how often the audit log is exported. Every route but /api/health needs a function key " +
                "and, where App Service Authentication is on (the default), a bearer token for the API's app registration carrying AuditExport.Reader or AuditExport.Admin.";
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [FunctionKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "x-functions-key",
                    Description = "A function key of the function app (or ?code=)",
                },
                [Bearer] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                    Description = "An Entra ID access token for api://<API app id> (az account get-access-token --resource api://<API app id>)",
                },
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            var anonymous = context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any();
            if (!anonymous)
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(FunctionKey, context.Document)] = [],
                        [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = [],
                    },
                ];
            }
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// Describes a JSON request body in the document only. <c>Accepts&lt;T&gt;</c> would also make routing answer a wrong
    /// content type with a bare 415 before the route's own, which says what to send.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<TBody>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            // A named component, not an inline schema: a generated client gets a type of this name (not Body2).
            var schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken);
            var name = typeof(TBody).Name;
            context.Document!.AddComponent(name, schema);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(name, context.Document) } },
            };
        });

    /// <summary>The answers every API route may give besides its own: 401, 403 and 503 (storage unreachable), as problems.</summary>
    public static TBuilder WithCommonProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
