using AuditExport.Api.Security;
using AuditExport.Configurations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AuditExport.Api.Rest;

/// <summary>The rotation step of the secret-protection key ring: every stored secret under the current key (README, "Rotate the secret-protection key").</summary>
public static class SecretKeysApi
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/secret-keys/re-encrypt", async (ExportConfigurationService service, CancellationToken ct) =>
                Results.Json(await service.ReEncryptSecretsAsync(ct), ApiJson.Options))
            .RequireAuthorization(ApiPolicies.Admin).WithCommonProblems().WithTags("Secret keys").WithName("ReEncryptSecrets")
            .WithSummary("Encrypt every stored secret again under the current (first) key of SecretProtectionKeys; run after making a new key current, before retiring the old one")
            .Produces<ReEncryption>();
}
