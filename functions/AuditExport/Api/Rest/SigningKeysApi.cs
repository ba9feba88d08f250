using AuditExport.Api.Security;
using AuditExport.Digests;
using AuditExport.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AuditExport.Api.Rest;

/// <summary>
/// The public keys export digests are signed with (README, "For auditors"): a verifier takes them from here, never from the
/// bucket it verifies. Every key of the ring is listed, so digests signed before a rotation still verify.
/// </summary>
public static class SigningKeysApi
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/signing-keys", async Task<IResult> (DigestSigner signer, CancellationToken ct) =>
            {
                if (!signer.Configured)
                {
                    return Results.Problem("Export digests are off (ExportDigests=false) and DigestSigningKeys is not set.", statusCode: StatusCodes.Status404NotFound,
                        title: "No signing keys.");
                }
                try
                {
                    return Results.Json(new SigningKeysResponse((await signer.RingAsync(ct)).PublicKeys), ApiJson.Options);
                }
                catch (SigningKeysUnavailableException e)
                {
                    return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The signing keys cannot be read yet.");
                }
            })
            .RequireAuthorization(ApiPolicies.Reader).WithCommonProblems().WithTags("Signing keys").WithName("GetSigningKeys")
            .WithSummary("The Ed25519 public keys export digests are signed with (the current one first); audit-export verify reads them from here")
            .Produces<SigningKeysResponse>();
}

/// <summary>The digest signing keys' public halves; the same JSON is what <c>audit-export verify --keys FILE</c> reads.</summary>
public sealed record SigningKeysResponse(IReadOnlyList<PublicSigningKey> Keys);
