using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// A loopback HTTP proxy in front of an emulator that forwards every request unchanged, except those a
/// rule picks, which get the error answer a real S3 would give (500 InternalError, 403 AccessDenied).
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private int _requests;

    /// <summary>Given the request number (1-based), method and path: null to forward, or the status to answer.</summary>
    public Func<int, string, string, int?> Rule { get; set; } = (_, _, _) => null;

    public int Injected { get; private set; }
    public Uri Endpoint { get; }

    private FaultyProxy(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public static async Task<FaultyProxy> StartAsync(Uri upstream)
    {
        FaultyProxy? proxy = null;
        var (app, endpoint) = await LoopbackServer.StartAsync(app => app.Run(context => proxy!.ForwardAsync(context, upstream)));
        return proxy = new FaultyProxy(app, endpoint);
    }

    private async Task ForwardAsync(HttpContext context, Uri upstream)
    {
        var n = Interlocked.Increment(ref _requests);
        var request = context.Request;
        if (Rule(n, request.Method, request.Path + request.QueryString) is int status)
        {
            Injected++;
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/xml";
            var code = status == 403 ? "AccessDenied" : "InternalError";
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected by the test proxy</Message><RequestId>r{n}</RequestId></Error>");
            return;
        }
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(upstream, request.Path + request.QueryString));
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        forward.Content = new ByteArrayContent(body.ToArray());
        foreach (var header in request.Headers)
        {
            if (!forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                forward.Content.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }
        using var response = await _upstream.SendAsync(forward);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }
        await response.Content.CopyToAsync(context.Response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
