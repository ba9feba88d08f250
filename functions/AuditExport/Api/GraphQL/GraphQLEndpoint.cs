using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Utilities;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using AuditExport.Api.Security;

namespace AuditExport.Api.GraphQL;

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

    /// <summary>
    /// GraphQL's own rules, plus a cost limit in which each list multiplies what is below it: the fields a document
    /// names are bounded by <see cref="DocumentGuard"/>, but three nested lists of the schema's types can still ask for
    /// millions of entries. The standard introspection query costs 454,121 with this schema (measured; its answer is
    /// 51 KB), so the limit leaves room for the schema to grow, while three nested lists of types (4.6 million) are refused.
    /// </summary>
    private static readonly IValidationRule[] ValidationRules =
        [.. DocumentValidator.CoreRules, new ComplexityValidationRule(new ComplexityOptions { MaxComplexity = MaxComplexity, MaxDepth = DocumentGuard.MaxDepth })];

    public const int MaxComplexity = 1_000_000;

    /// <summary>Largest answer written; a larger one is replaced by an error (the cost limit should make this unreachable).</summary>
    public const int MaxAnswerBytes = 8 * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder app) =>
        // A query is a POST too: the route needs Reader, and each mutation checks Admin itself.
        app.MapPost(Route, (Delegate)ExecuteAsync).RequireAuthorization(ApiPolicies.Reader).WithTags("Immuta compatibility").WithName("AuditGraphQL")
            .WithSummary("Immuta's audit export GraphQL API: createS3AccessKeyExportConfiguration, getAllExportConfigurations and the rest (schema: Api/GraphQL/schema.graphql)")
            .WithJsonBody<Contracts.GraphQLRequestBody>().Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status400BadRequest).Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status413PayloadTooLarge)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status415UnsupportedMediaType).WithCommonProblems();

    /// <summary>The schema in SDL, as the README's reference prints it.</summary>
    public static string PrintSchema() => Schema.Print();

    private static async Task ExecuteAsync(HttpContext context)
    {
        var request = await ReadAsync(context);
        if (request is null)
        {
            return;
        }
        if (DocumentGuard.Check(request.Query!, request.OperationName, out var refused) is not { } document)
        {
            await WriteAsync(context, StatusCodes.Status200OK, new ExecutionResult { Errors = [refused!] });
            return;
        }
        var result = await Executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = Schema,
            Query = request.Query,
            Document = document,
            ValidationRules = ValidationRules,
            OperationName = request.OperationName,
            Variables = request.Variables,
            UserContext = new Dictionary<string, object?> { [GraphQLContext.CallerKey] = ApiAuthorization.CallerOf(context) },
            RequestServices = context.RequestServices,
            CancellationToken = context.RequestAborted,
            ThrowOnUnhandledException = true,
        });
        foreach (var error in result.Errors?.OfType<global::GraphQL.Validation.Errors.Custom.ComplexityError>() ?? [])
        {
            error.Code = "QUERY_TOO_COMPLEX";
        }
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
            await FailAsync(context, StatusCodes.Status400BadRequest, $"The body is not a GraphQL request: {JsonErrors.Describe(e)}");
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
        var answer = new MemoryStream();
        await Serializer.WriteAsync(answer, result, context.RequestAborted);
        if (answer.Length > MaxAnswerBytes)
        {
            answer.SetLength(0);
            await Serializer.WriteAsync(answer, new ExecutionResult
            {
                Errors = [new ExecutionError($"The answer would be larger than {MaxAnswerBytes} bytes; ask for less in each request.") { Code = "ANSWER_TOO_LARGE" }],
            }, context.RequestAborted);
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = answer.Length;
        answer.Position = 0;
        await answer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static AuditGraphQLSchema Initialized()
    {
        var schema = new AuditGraphQLSchema();
        schema.Initialize();
        return schema;
    }
}
