using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.LocalHost;

/// <summary>
/// The local stand-in for the Functions host's HTTP front door. Like the host, it serves
/// <c>/{routePrefix}/{route}</c> only for the HTTP functions a function.json declares, with their methods
/// (404 otherwise), requires a function key (<c>x-functions-key</c> header or <c>code</c> query) where
/// authLevel is not anonymous (401 otherwise), and proxies the request to the custom handler unchanged.
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

    private FrontDoor(WebApplication app, HttpClient handler, Uri baseAddress, string functionKey)
    {
        _app = app;
        _handler = handler;
        BaseAddress = baseAddress;
        FunctionKey = functionKey;
    }

    /// <summary>Where the API is served, e.g. http://127.0.0.1:port/ (routes start with the prefix, /api).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The key every authLevel-function route needs (a fresh random one unless given).</summary>
    public string FunctionKey { get; }

    public static async Task<FrontDoor> StartAsync(Uri handlerBaseAddress, string? functionKey = null, FunctionAppLayout? layout = null)
    {
        layout ??= FunctionAppLayout.Read();
        functionKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');
        var handler = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = handlerBaseAddress, Timeout = TimeSpan.FromMinutes(10),
        };
        var key = functionKey;
        var (app, endpoint) = await LoopbackServer.StartAsync(app => app.Run(context => ServeAsync(context, layout, key, handler)));
        return new FrontDoor(app, handler, endpoint, functionKey);
    }

    public HttpClient CreateClient(bool withKey = true)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (withKey)
        {
            client.DefaultRequestHeaders.Add(KeyHeader, FunctionKey);
        }
        return client;
    }

    private static async Task ServeAsync(HttpContext context, FunctionAppLayout layout, string functionKey, HttpClient handler)
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
        if (!string.Equals(function.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase) && !HasKey(context.Request, functionKey))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
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
            forward.Content = new StreamContent(request.Body);
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
}
