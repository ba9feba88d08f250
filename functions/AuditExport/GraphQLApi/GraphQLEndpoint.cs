using AuditExport.Hosting;
using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Utilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AuditExport.GraphQLApi;

/// <summary>
/// POST /api/audit/graphql, GraphQL over HTTP as Immuta's clients send it: a JSON body with <c>query</c>, optional
/// <c>operationName</c> and <c>variables</c>; the answer is <c>{"data": ..., "errors": [...]}</c> with 200. A body
/// that is not such a request answers 400/413/415 in the same shape. Storage failures are not GraphQL errors: they
/// reach the API's exception handler (503 with Retry-After), as on the REST routes.
/// </summary>
public static class GraphQLEndpoint
{
    public const string Route = "/api/audit/graphql";

    private static readonly AuditGraphQLSchema Schema = Initialized();
    private static readonly DocumentExecuter Executer = new();
    private static readonly GraphQLSerializer Serializer = new();

    public static void Map(IEndpointRouteBuilder app) =>
        // A query is a POST too: the route needs Reader, and each mutation checks Admin itself.
        app.MapPost(Route, ExecuteAsync).WithMetadata(new RequiredRole(ApiRoles.Reader)).WithTags("Immuta compatibility").WithName("AuditGraphQL")
            .WithSummary("Immuta's audit export GraphQL API: createS3AccessKeyExportConfiguration, getAllExportConfigurations and the rest");

    /// <summary>The schema in SDL, as the README's reference prints it.</summary>
    public static string PrintSchema() => Schema.Print();

    private static async Task ExecuteAsync(HttpContext context)
    {
        var request = await ReadAsync(context);
        if (request is null)
        {
            return;
        }
        var result = await Executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = Schema,
            Query = request.Query,
            OperationName = request.OperationName,
            Variables = request.Variables,
            UserContext = new Dictionary<string, object?> { [GraphQLContext.CallerKey] = ApiAuthorization.CallerOf(context) },
            RequestServices = context.RequestServices,
            CancellationToken = context.RequestAborted,
            ThrowOnUnhandledException = true,
        });
        await WriteAsync(context, StatusCodes.Status200OK, result);
    }

    private static async Task<GraphQLRequest?> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            await FailAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"Send Content-Type: application/json with {{\"query\": \"...\"}} (this request said '{request.ContentType ?? "nothing"}').");
            return null;
        }
        if (await BoundedBody.ReadAsync(request, context.RequestAborted) is not { } body)
        {
            await FailAsync(context, StatusCodes.Status413PayloadTooLarge, $"A GraphQL request may be at most {BoundedBody.MaxBytes} bytes.");
            return null;
        }
        GraphQLRequest? parsed;
        try
        {
            parsed = Serializer.Deserialize<GraphQLRequest>(System.Text.Encoding.UTF8.GetString(body));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, $"The body is not a GraphQL request: {e.Message.Split(" Path:")[0]}");
            return null;
        }
        if (string.IsNullOrWhiteSpace(parsed?.Query))
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, "The body has no query: send {\"query\": \"{ getAllExportConfigurations { id } }\"}.");
            return null;
        }
        return parsed;
    }

    private static Task FailAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, new ExecutionResult { Errors = [new ExecutionError(message) { Code = "BAD_REQUEST" }] });

    private static async Task WriteAsync(HttpContext context, int status, ExecutionResult result)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await Serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }

    private static AuditGraphQLSchema Initialized()
    {
        var schema = new AuditGraphQLSchema();
        schema.Initialize();
        return schema;
    }
}
