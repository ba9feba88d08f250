using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.LocalHost;

/// <summary>What the proxy does to one request.</summary>
public enum FaultKind
{
    /// <summary>Answer an error status without forwarding (with Retry-After for 429 and 503).</summary>
    StatusBefore,
    /// <summary>Forward (the upstream acts on it), then answer an error status instead of its answer.</summary>
    StatusAfter,
    /// <summary>Drop the connection without forwarding.</summary>
    ResetBefore,
    /// <summary>Forward, then drop the connection instead of answering.</summary>
    ResetAfter,
    /// <summary>Forward after a delay.</summary>
    Slow,
    /// <summary>Say nothing for a while, then drop the connection (a hung server).</summary>
    Hang,
}

/// <param name="Code">The error code to answer (S3's and Azure Storage's XML, and x-ms-error-code); by default one that fits the status.</param>
public sealed record Fault(FaultKind Kind, int Status = 500, TimeSpan Delay = default, string? Code = null);

/// <summary>A request as the proxy saw it: method, raw target and headers (names lower-case).</summary>
public sealed record SeenRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A loopback HTTP proxy in front of an emulator that forwards every request unchanged, except those a
/// rule picks: they fail before or after reaching the upstream, as a real service or network fails.
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private int _requests;

    /// <summary>Given the request number (1-based), method and path: null to forward, or the status to answer instead.</summary>
    public Func<int, string, string, int?> Rule
    {
        set => Faults = (n, method, path) => value(n, method, path) is int status ? new Fault(FaultKind.StatusBefore, status) : null;
    }

    /// <summary>Given the request number (1-based), method and path: null to forward, or the fault to inject.</summary>
    public Func<int, string, string, Fault?> Faults { get; set; } = (_, _, _) => null;

    /// <summary>A seeded mix of every kind of fault, hitting about <paramref name="rate"/> of all requests.</summary>
    public static Func<int, string, string, Fault?> RandomFaults(double rate, int seed)
    {
        var random = new Random(seed);
        var gate = new object();
        return (_, _, _) =>
        {
            lock (gate)
            {
                if (random.NextDouble() >= rate)
                {
                    return null;
                }
                return random.Next(8) switch
                {
                    0 => new Fault(FaultKind.StatusBefore, 500),
                    1 => new Fault(FaultKind.StatusBefore, 503),
                    2 => new Fault(FaultKind.StatusBefore, 429),
                    3 => new Fault(FaultKind.StatusAfter, 500),
                    4 => new Fault(FaultKind.ResetBefore),
                    5 => new Fault(FaultKind.ResetAfter),
                    6 => new Fault(FaultKind.Slow, Delay: TimeSpan.FromMilliseconds(random.Next(100, 400))),
                    _ => new Fault(FaultKind.Hang, Delay: TimeSpan.FromSeconds(2)),
                };
            }
        };
    }

    /// <summary>Given the whole request (headers too), before <see cref="Faults"/>: null to go on, or the fault to inject.</summary>
    public Func<HttpRequest, Fault?>? RequestFaults { get; set; }

    /// <summary>When set, every request is kept in <see cref="Seen"/>, in arrival order.</summary>
    public bool Record { get; set; }

    public System.Collections.Concurrent.ConcurrentQueue<SeenRequest> Seen { get; } = new();

    public int Injected { get; private set; }

    /// <summary>Every request seen, faulty or not (a count of storage transactions when nothing is injected).</summary>
    public int Requests => _requests;
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
        if (Record)
        {
            Seen.Enqueue(new SeenRequest(request.Method, context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget,
                request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
        }
        var fault = RequestFaults?.Invoke(request) ?? Faults(n, request.Method, request.Path + request.QueryString);
        if (fault is not null)
        {
            lock (this)
            {
                Injected++;
            }
        }
        switch (fault?.Kind)
        {
            case FaultKind.StatusBefore:
                await AnswerErrorAsync(context, fault.Status, n, fault.Code);
                return;
            case FaultKind.ResetBefore:
                context.Abort();
                return;
            case FaultKind.Hang:
                await Task.Delay(fault.Delay);
                context.Abort();
                return;
            case FaultKind.Slow:
                await Task.Delay(fault.Delay);
                break;
        }
        // The raw target, byte for byte: a re-encoded path would no longer match the request's signature.
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(upstream.GetLeftPart(UriPartial.Authority) + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
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
        if (fault?.Kind == FaultKind.ResetAfter)
        {
            context.Abort();
            return;
        }
        if (fault?.Kind == FaultKind.StatusAfter)
        {
            await AnswerErrorAsync(context, fault.Status, n, fault.Code);
            return;
        }
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

    private static async Task AnswerErrorAsync(HttpContext context, int status, int n, string? code = null)
    {
        context.Response.StatusCode = status;
        if (status is 429 or 503)
        {
            context.Response.Headers.RetryAfter = "1";
        }
        context.Response.ContentType = "application/xml";
        code ??= status switch { 403 => "AccessDenied", 429 => "SlowDown", 503 => "ServiceUnavailable", _ => "InternalError" };
        context.Response.Headers["x-ms-error-code"] = code;
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected by the test proxy</Message><RequestId>r{n}</RequestId></Error>");
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
