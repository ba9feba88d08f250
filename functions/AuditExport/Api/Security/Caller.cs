using System.Text;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Api.Security;

/// <summary>
/// Who calls the API, as App Service Authentication (Microsoft Entra ID) forwards it: the base64 JSON of
/// <c>X-MS-CLIENT-PRINCIPAL</c> (<c>auth_typ</c>, <c>name_typ</c>, <c>role_typ</c>, <c>claims</c>), plus
/// <c>X-MS-CLIENT-PRINCIPAL-NAME</c> and <c>-ID</c>. The platform removes these headers from incoming requests
/// and sets them only after validating a token, so the handler can trust them when authentication is on.
/// </summary>
public sealed record Caller(string Name, string? Id, IReadOnlySet<string> Roles, string AuthType)
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string NameHeader = "X-MS-CLIENT-PRINCIPAL-NAME";
    public const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";
    private const string DefaultRoleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    private const string ObjectIdType = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <summary>When authentication is off (local development only), every caller is this one.</summary>
    public static Caller FunctionKey { get; } = new("function-key holder", null, new HashSet<string>(ApiRoles.All), "function-key");

    /// <summary>The caller the platform forwarded, or null with the reason when there is none or it cannot be read.</summary>
    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static Caller? Read(HttpRequest request, out string? problem)
    {
        problem = null;
        var header = request.Headers[PrincipalHeader].ToString();
        if (header.Length == 0)
        {
            problem = $"the request carries no {PrincipalHeader}: call with a bearer token for the API's app registration";
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(header));
            var root = document.RootElement;
            var roleType = Text(root, "role_typ") ?? DefaultRoleType;
            var nameType = Text(root, "name_typ");
            var claims = root.TryGetProperty("claims", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(c => (Type: Text(c, "typ") ?? "", Value: Text(c, "val") ?? "")).ToList()
                : [];
            string? Claim(params string?[] types) => types.Where(t => t is not null).Select(t => claims.FirstOrDefault(c => c.Type == t).Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            var roles = claims.Where(c => c.Type == roleType || c.Type == "roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
            // An empty header is no header: the principal's claims decide, so a change record never names "" as its author.
            var id = NonBlank(request.Headers[IdHeader].FirstOrDefault()) ?? Claim(ObjectIdType, "oid");
            // An application calling with its own identity has no user name: it is named by its client id.
            var name = NonBlank(request.Headers[NameHeader].FirstOrDefault()) ?? Claim(nameType, "preferred_username", "name", "appid", "azp") ?? id ?? "unnamed caller";
            return new Caller(name, id, roles, Text(root, "auth_typ") ?? "unknown");
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            problem = $"{PrincipalHeader} is not the base64 JSON the platform sends";
            return null;
        }
    }

    /// <summary>Why a request is refused for lack of a role (REST answers it as 403, GraphQL as a FORBIDDEN error).</summary>
    public string Lacks(string role, string what) =>
        $"{Name} lacks the app role {role}, which {what} needs. Ask an owner of the API's app registration to assign it.";

    public bool Has(string role) => Roles.Contains(role) || (role == ApiRoles.Reader && Roles.Contains(ApiRoles.Admin));

    private const string AuthTypeClaim = "auth_typ";

    /// <summary>The caller as the request's principal: name, object id, app roles, how it signed in.</summary>
    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(AuthTypeClaim, AuthType) };
        if (Id is not null)
        {
            claims.Add(new Claim(ObjectIdType, Id));
        }
        claims.AddRange(Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The caller a principal made by <see cref="ToPrincipal"/> stands for; null when it was not authenticated.</summary>
    public static Caller? From(ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true } identity
        ? new Caller(identity.Name ?? "unnamed caller", user.FindFirst(ObjectIdType)?.Value,
            user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal), user.FindFirst(AuthTypeClaim)?.Value ?? "unknown")
        : null;

    /// <summary>What the base64 JSON of X-MS-CLIENT-PRINCIPAL holds for this caller (the local front door and tests send it).</summary>
    public string ToPrincipalHeader()
    {
        var claims = Roles.Select(r => new { typ = "roles", val = r }).ToList();
        claims.Add(new { typ = "name", val = Name });
        if (Id is not null)
        {
            claims.Add(new { typ = ObjectIdType, val = Id });
        }
        return Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { auth_typ = AuthType, name_typ = "name", role_typ = DefaultRoleType, claims }));
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>The app roles of the API's app registration.</summary>
public static class ApiRoles
{
    /// <summary>Create, update, delete, enable, disable, test and export now.</summary>
    public const string Admin = "AuditExport.Admin";

    /// <summary>List and read configurations, their jobs and change history, and the OpenAPI document.</summary>
    public const string Reader = "AuditExport.Reader";

    public static readonly IReadOnlyList<string> All = [Admin, Reader];
}
