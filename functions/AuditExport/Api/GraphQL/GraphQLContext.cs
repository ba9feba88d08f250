using AuditExport.Configurations;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;
using AuditExport.Api.Security;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// What a resolver needs from the request: the caller (for roles and the change record), the services, and the
/// errors GraphQL answers, each with a code in <c>extensions</c> (BAD_USER_INPUT, NOT_FOUND, CONFLICT, FORBIDDEN).
/// </summary>
internal static class GraphQLContext
{
    public const string CallerKey = "caller";

    public static Caller Caller(this IResolveFieldContext context) =>
        context.UserContext.TryGetValue(CallerKey, out var caller) && caller is Caller known ? known : Api.Security.Caller.FunctionKey;

    /// <summary>
    /// Operations (root fields, introspection's included) one request may run: aliases would otherwise turn one 64 KiB
    /// request into thousands of table scans. Counted before execution by <see cref="DocumentGuard"/>.
    /// </summary>
    public const int MaxOperationsPerRequest = 10;

    public static ChangedBy ChangedBy(this IResolveFieldContext context)
    {
        var caller = context.Caller();
        return new ChangedBy(caller.Name, caller.Id, caller.AuthType);
    }

    public static T Service<T>(this IResolveFieldContext context) where T : notnull => context.RequestServices!.GetRequiredService<T>();

    public static void Fail(this IResolveFieldContext context, string code, string message, string? field = null)
    {
        var error = new ExecutionError(message) { Code = code, Path = context.ResponsePath };
        if (field is not null)
        {
            error.Extensions = new Dictionary<string, object?> { ["field"] = field };
        }
        context.Errors.Add(error);
    }

    /// <summary>True when the caller holds the role; otherwise records why not (the REST API answers 403 with the same words).</summary>
    public static bool Holds(this IResolveFieldContext context, string role)
    {
        var caller = context.Caller();
        if (caller.Has(role))
        {
            return true;
        }
        context.Fail("FORBIDDEN", caller.Lacks(role, context.FieldDefinition.Name));
        return false;
    }

    /// <summary>The configuration id argument, or null with the reason.</summary>
    public static Guid? Id(this IResolveFieldContext context)
    {
        var text = context.GetArgument<string>("id");
        if (Guid.TryParseExact(text, "D", out var id))
        {
            return id;
        }
        context.Fail("BAD_USER_INPUT", $"id must be a configuration id (a UUID), not '{text}'.", "id");
        return null;
    }

    public static void NotFound(this IResolveFieldContext context, Guid id) =>
        context.Fail("NOT_FOUND", $"There is no export configuration {id}.", "id");
}
