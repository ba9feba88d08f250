using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AuditExport.Cli;

/// <summary>An API answer: status, JSON body (if any) and headers.</summary>
public sealed record ApiAnswer(int Status, JsonElement? Body, HttpResponseHeaders Headers)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>
/// Calls the REST API with the function key (<c>x-functions-key</c>) and, when Entra ID protects the app, a bearer token.
/// The base URL may end with /api or not.
/// </summary>
public sealed class ApiClient(HttpClient http, ApiConnection options)
{
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string route, string? jsonBody, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, Url(route));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (options.Key is not null)
        {
            request.Headers.Add("x-functions-key", options.Key);
        }
        if (options.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement? body = null;
        if (text.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                body = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not ours (a gateway's HTML page): described from the status alone.
            }
        }
        return new ApiAnswer((int)response.StatusCode, body, response.Headers);
    }

    private Uri Url(string route)
    {
        var root = options.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (root.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^4];
        }
        return new Uri($"{root}/api/{route}");
    }
}
