using AuditExport.Configurations;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AuditExport.Hosting;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// Stands in for Key Vault's secrets API (no emulator exists): HTTPS only, as the SDK requires for bearer tokens; the
/// challenge a vault answers an unauthenticated request with; the token checked; 403 while the caller's role "has not
/// propagated" (<see cref="Secret"/> null), then the secret.
/// </summary>
public sealed class FakeKeyVault : IAsyncDisposable
{
    public const string Token = "fake-vault-token";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private int _reads;

    private FakeKeyVault(WebApplication app, X509Certificate2 certificate, Uri endpoint) => (_app, _certificate, Endpoint) = (app, certificate, endpoint);

    public Uri Endpoint { get; }

    /// <summary>The secret's value; null answers 403, as before the role assignment propagates.</summary>
    public volatile string? Secret;

    /// <summary>Authenticated reads of the secret.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public string Reference(string secretName) => $"@Microsoft.KeyVault(SecretUri={Endpoint}secrets/{secretName}/)";

    /// <summary>What the handler reaches the vault with: a token for it, and a transport that trusts this vault's certificate alone.</summary>
    public KeyVaultAccess Access()
    {
        var transport = new HttpClientTransport(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == _certificate.Thumbprint,
        });
        return new KeyVaultAccess(new StaticToken(), new SecretClientOptions { Transport = transport, DisableChallengeResourceVerification = true })
        {
            RetryInterval = TimeSpan.Zero,
        };
    }

    public static async Task<FakeKeyVault> StartAsync(string secretName)
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeKeyVault? vault = null;
        app.MapGet("/secrets/{name}/{version?}", (HttpContext context, string name) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            if (authorization.Length == 0)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }
            if (authorization != $"Bearer {Token}")
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }
            Interlocked.Increment(ref vault!._reads);
            if (vault.Secret is not { } value)
            {
                return Results.Json(new { error = new { code = "Forbidden", message = "Caller is not authorized to perform action on resource." } }, statusCode: StatusCodes.Status403Forbidden);
            }
            return name == secretName
                ? Results.Json(new { value, id = $"{vault.Endpoint}secrets/{name}/0123456789abcdef", attributes = new { enabled = true } })
                : Results.Json(new { error = new { code = "SecretNotFound", message = $"A secret with (name/id) {name} was not found in this key vault." } }, statusCode: StatusCodes.Status404NotFound);
        });
        await app.StartAsync();
        vault = new FakeKeyVault(app, certificate, new Uri($"https://127.0.0.1:{AuditExport.LocalHost.LoopbackServer.BoundPort(app)}/"));
        return vault;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null); // Kestrel needs the key in a loadable form
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private sealed class StaticToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(Token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
    }
}
