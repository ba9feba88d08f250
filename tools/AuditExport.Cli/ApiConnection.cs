using Azure.Core;

namespace AuditExport.Cli;

/// <summary>
/// Where the API is and how to call it. Each value comes from the command line, else its environment variable, else
/// the profile (<see cref="Profiles"/>): the URL, the function key (a profile holds a reference to it, never the key),
/// and the bearer token, which is fetched through Azure.Identity for <c>api://{app id}/.default</c> unless one is given.
/// </summary>
public sealed record ApiConnection(Uri BaseUrl, string? Key, string? Token)
{
    public const string UrlVariable = "AUDIT_EXPORT_URL";
    public const string KeyVariable = "AUDIT_EXPORT_KEY";
    public const string TokenVariable = "AUDIT_EXPORT_TOKEN";
    public const string AppIdVariable = "AUDIT_EXPORT_APP_ID";

    /// <exception cref="UsageException">No usable URL, or a key reference that cannot be read.</exception>
    /// <exception cref="AuthenticationException">A token was needed and the credential could not get one.</exception>
    public static async Task<ApiConnection> ResolveAsync(string? url, string? key, string? token, string? appId, Profile? profile,
        Func<string, string?> environment, TokenCredential credential, CancellationToken cancellationToken)
    {
        url = First(url, environment(UrlVariable), profile?.Url);
        if (url is null)
        {
            throw new UsageException($"No API URL: pass --url https://<function-app>.azurewebsites.net, set {UrlVariable}, or run audit-export configure.");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("https" or "http"))
        {
            throw new UsageException($"The API URL must be an absolute http(s) URL, not '{url}'.");
        }
        key = First(key, environment(KeyVariable)) ?? KeyFrom(profile?.KeyReference, environment);
        token = First(token, environment(TokenVariable));
        if (token is null && First(appId, environment(AppIdVariable), profile?.AppId) is { } id)
        {
            token = await TokenAsync(credential, id, cancellationToken);
        }
        return new ApiConnection(baseUrl, key, token);
    }

    /// <summary>The scope of the API's app registration (README, Deploy: it exposes user_impersonation and pre-authorizes the Azure CLI).</summary>
    public static string Scope(string appId) => $"api://{appId}/.default";

    private static async Task<string> TokenAsync(TokenCredential credential, string appId, CancellationToken cancellationToken)
    {
        try
        {
            return (await credential.GetTokenAsync(new TokenRequestContext([Scope(appId)]), cancellationToken)).Token;
        }
        catch (Exception e) when (e is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException or Azure.RequestFailedException)
        {
            throw new AuthenticationException(
                $"cannot get a token for {Scope(appId)}: {e.Message.Split('\n')[0]} Sign in with 'az login' (the app registration must pre-authorize the Azure CLI), or pass --token.");
        }
    }

    /// <summary>A key reference: <c>env:NAME</c> (an environment variable) or <c>file:PATH</c> (a file holding only the key).</summary>
    public static string? KeyFrom(string? reference, Func<string, string?> environment)
    {
        if (reference is null)
        {
            return null;
        }
        if (reference.StartsWith("env:", StringComparison.Ordinal))
        {
            return First(environment(reference[4..])) ?? throw new UsageException($"The profile's key reference {reference} names an environment variable that is not set.");
        }
        if (reference.StartsWith("file:", StringComparison.Ordinal))
        {
            try
            {
                return First(File.ReadAllText(reference[5..]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"The profile's key reference {reference} cannot be read: {e.Message}");
            }
        }
        throw new UsageException($"A key reference is env:NAME or file:PATH, not '{reference}'.");
    }

    private static string? First(params string?[] values) => values.Select(v => v?.Trim()).FirstOrDefault(v => !string.IsNullOrEmpty(v));
}

/// <summary>The command line or a file given on it is wrong (exit 2).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>No token could be had for the API (exit 1).</summary>
public sealed class AuthenticationException(string message) : Exception(message);
