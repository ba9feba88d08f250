using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using AuditExport.Hosting;
using Microsoft.AspNetCore.Http;
using AuditExport.Api.Security;

namespace AuditExport.LocalHost;

/// <summary>
/// The local stand-in for the Functions host's HTTP front door. Like the host, it serves
/// <c>/{routePrefix}/{route}</c> only for the HTTP functions a function.json declares, with their methods
/// (404 otherwise), requires a function key (<c>x-functions-key</c> header or <c>code</c> query) where
/// authLevel is not anonymous (401 otherwise), and proxies the request to the custom handler unchanged.
/// It also stands in for App Service Authentication (Microsoft Entra ID) as the Bicep configures it: requests to
/// routes that are not anonymous need a bearer token (here, one <see cref="IssueToken"/> made), client-sent
/// X-MS-CLIENT-PRINCIPAL headers are removed, and the principal of a valid token is forwarded in them.
/// </summary>
public sealed class FrontDoor : IAsyncDisposable
{
    public const string KeyHeader = "x-functions-key";
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _handler;
    private readonly ConcurrentDictionary<string, Caller> _tokens;

    private FrontDoor(WebApplication app, HttpClient handler, Uri baseAddress, string functionKey, ConcurrentDictionary<string, Caller> tokens)
    {
        _app = app;
        _handler = handler;
        _tokens = tokens;
        BaseAddress = baseAddress;
        FunctionKey = functionKey;
    }

    /// <summary>Where the API is served, e.g. http://127.0.0.1:port/ (routes start with the prefix, /api).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The key every authLevel-function route needs (a fresh random one unless given).</summary>
    public string FunctionKey { get; }

    /// <summary>Who API clients are unless a test says otherwise: a local administrator with both roles.</summary>
    public static Caller LocalAdmin { get; } = new("local-admin@localhost", "00000000-0000-0000-0000-00000000a11c", new HashSet<string>(ApiRoles.All), "aad");

    private static readonly string[] PrincipalHeaders = [Caller.PrincipalHeader, Caller.NameHeader, Caller.IdHeader, "X-MS-CLIENT-PRINCIPAL-IDP"];

    /// <summary>A bearer token this front door accepts for <paramref name="caller"/>, as Entra ID would issue one.</summary>
    public string IssueToken(Caller caller)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = caller;
        return token;
    }

    public static async Task<FrontDoor> StartAsync(Uri handlerBaseAddress, string? functionKey = null, FunctionAppLayout? layout = null)
    {
        layout ??= FunctionAppLayout.Read();
        functionKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');
        var handler = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = handlerBaseAddress, Timeout = TimeSpan.FromMinutes(10),
        };
        var key = functionKey;
        var tokens = new ConcurrentDictionary<string, Caller>();
        var (app, endpoint) = await LoopbackServer.StartAsync(app => app.Run(context => ServeAsync(context, layout, key, tokens, handler)));
        return new FrontDoor(app, handler, endpoint, functionKey, tokens);
    }

    /// <param name="caller">Who the client is (with a token for them); <see cref="LocalAdmin"/> unless given.</param>
    /// <param name="withToken">False: no bearer token at all, as an unauthenticated client.</param>
    public HttpClient CreateClient(bool withKey = true, Caller? caller = null, bool withToken = true)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (withKey)
        {
            client.DefaultRequestHeaders.Add(KeyHeader, FunctionKey);
        }
        if (withToken)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", IssueToken(caller ?? LocalAdmin));
        }
        return client;
    }

    private static async Task ServeAsync(HttpContext context, FunctionAppLayout layout, string functionKey,
        ConcurrentDictionary<string, Caller> tokens, HttpClient handler)
    {
        var path = context.Request.Path.Value ?? "/";
        var prefix = "/" + layout.RoutePrefix + "/";
        var function = path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            ? layout.Http.FirstOrDefault(f => f.Matches(context.Request.Method, path[prefix.Length..]))
            : null;
        if (function is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound; // the host serves only what function.json declares
            return;
        }
        foreach (var header in PrincipalHeaders)
        {
            context.Request.Headers.Remove(header); // only the platform sets these
        }
        var anonymous = string.Equals(function.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase);
        if (!anonymous)
        {
            // App Service Authentication runs first: no valid token, 401 (unauthenticatedClientAction Return401).
            var authorization = context.Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !tokens.TryGetValue(authorization["Bearer ".Length..].Trim(), out var caller))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            context.Request.Headers[Caller.PrincipalHeader] = caller.ToPrincipalHeader();
            context.Request.Headers[Caller.NameHeader] = caller.Name;
            if (caller.Id is not null)
            {
                context.Request.Headers[Caller.IdHeader] = caller.Id;
            }
            if (!HasKey(context.Request, functionKey))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
        }
        await ProxyAsync(context, handler);
    }

    private static bool HasKey(HttpRequest request, string functionKey)
    {
        var given = request.Headers[KeyHeader].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(functionKey));
    }

    private static async Task ProxyAsync(HttpContext context, HttpClient handler)
    {
        var request = context.Request;
        var query = string.Join('&', request.Query.Where(q => q.Key != "code").SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}")));
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path.Value + (query.Length > 0 ? "?" + query : ""));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamedBody(request.Body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals(KeyHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var answer = await handler.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _handler.Dispose();
    }

    /// <summary>
    /// The request body passed on as it arrives, headers first, as the host's proxy does: StreamContent would hold the
    /// headers back until the first body bytes, and the handler would never see a request whose body is still coming.
    /// </summary>
    private sealed class StreamedBody(Stream body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.FlushAsync();
            await body.CopyToAsync(stream);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
