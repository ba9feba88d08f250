using System.Text.Json;
using System.Text.Json.Nodes;

namespace AuditExport.LocalHost;

/// <summary>Calls a running custom handler the way the Functions host does.</summary>
public sealed class FunctionsHostClient(Uri handlerBaseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = handlerBaseAddress, Timeout = TimeSpan.FromMinutes(5) };

    public sealed record Result(int Status, JsonElement Body)
    {
        public bool Succeeded => Status is >= 200 and < 300;

        /// <summary>The X-Azure-Functions-InvocationId this invocation was sent with.</summary>
        public string InvocationId { get; init; } = "";
        public JsonElement ReturnValue => Body.TryGetProperty("ReturnValue", out var v) ? v : default;
        public IEnumerable<string> Logs => Body.TryGetProperty("Logs", out var logs) ? logs.EnumerateArray().Select(l => l.GetString() ?? "") : [];
    }

    public Task<Result> InvokeAsync(string functionName, JsonObject invocation, CancellationToken cancellationToken = default) =>
        InvokeAsync(functionName, EventHubInvocation.Serialize(invocation), cancellationToken);

    /// <summary>Posts an invocation body already serialized (so a measurement times only the handler).</summary>
    public async Task<Result> InvokeAsync(string functionName, byte[] invocationJson, CancellationToken cancellationToken = default)
    {
        using var content = new ByteArrayContent(invocationJson);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + functionName) { Content = content };
        var invocationId = Guid.NewGuid().ToString();
        request.Headers.Add("X-Azure-Functions-InvocationId", invocationId); // as the host sends with every invocation
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
        return new Result((int)response.StatusCode, doc.RootElement.Clone()) { InvocationId = invocationId };
    }

    public async Task WaitUntilHealthyAsync(TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync("/api/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"The handler did not answer /api/health within {timeout.TotalSeconds:0} s. {diagnostics?.Invoke()}");
            }
            await Task.Delay(200);
        }
    }

    public void Dispose() => _http.Dispose();
}
