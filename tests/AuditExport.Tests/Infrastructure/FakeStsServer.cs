using AuditExport.LocalHost;
using System.Collections.Concurrent;
using System.Security;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// Stands in for AWS STS on loopback (no STS emulator runs here). Checks what a real STS would check before
/// answering: a SigV4-signed request from the expected caller, Action=AssumeRole with a role ARN, an
/// ExternalId and a session name. Answers in the STS XML format: credentials, or AccessDenied.
/// </summary>
public sealed partial class FakeStsServer : IAsyncDisposable
{
    public const string CallerAccessKeyId = "TESTEXPORTERIDENTITY";
    public const string CallerSecretAccessKey = "exporter-identity-secret-key-for-tests";

    private readonly WebApplication _app;

    public sealed record AssumeRoleCall(string RoleArn, string? ExternalId, string SessionName, string SignedBy);

    public ConcurrentQueue<AssumeRoleCall> Calls { get; } = new();

    /// <summary>Role ARNs whose trust policy lets the exporter in, with the ExternalId each requires.</summary>
    public ConcurrentDictionary<string, string> Trust { get; } = new();

    /// <summary>The temporary credentials handed out (s3rver accepts only its own key pair).</summary>
    public (string AccessKeyId, string SecretAccessKey) IssuedCredentials { get; set; } = ("S3RVER", "S3RVER");

    public Uri Endpoint { get; }

    private FakeStsServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public static async Task<FakeStsServer> StartAsync()
    {
        // The exporter's own AWS identity comes from the default credential chain: environment variables here.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", CallerAccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", CallerSecretAccessKey);
        FakeStsServer? server = null;
        var (app, endpoint) = await LoopbackServer.StartAsync(app => app.MapPost("/", (HttpRequest request) => server!.HandleAsync(request)));
        return server = new FakeStsServer(app, endpoint);
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var signature = SigV4().Match(authorization);
        if (!signature.Success)
        {
            return Error(403, "MissingAuthenticationToken", "Request is missing a SigV4 Authorization header.");
        }
        if (signature.Groups["key"].Value != CallerAccessKeyId || signature.Groups["service"].Value != "sts")
        {
            return Error(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        if (!request.HasFormContentType)
        {
            return Error(400, "InvalidAction", $"Expected a form-encoded Query API request, got {request.ContentType}.");
        }
        var form = await request.ReadFormAsync();
        if (form["Action"] != "AssumeRole")
        {
            return Error(400, "InvalidAction", $"Unsupported action {form["Action"]}.");
        }
        var call = new AssumeRoleCall(form["RoleArn"].ToString(), form.TryGetValue("ExternalId", out var e) ? e.ToString() : null,
            form["RoleSessionName"].ToString(), signature.Groups["key"].Value);
        Calls.Enqueue(call);
        if (!Trust.TryGetValue(call.RoleArn, out var requiredExternalId) || requiredExternalId != call.ExternalId)
        {
            return Error(403, "AccessDenied", $"User: arn:aws:iam::111122223333:user/exporter is not authorized to perform: sts:AssumeRole on resource: {call.RoleArn}");
        }
        var expiration = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        return Results.Text($"""
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleResult>
                <Credentials>
                  <AccessKeyId>{IssuedCredentials.AccessKeyId}</AccessKeyId>
                  <SecretAccessKey>{IssuedCredentials.SecretAccessKey}</SecretAccessKey>
                  <SessionToken>session-token-for-{SecurityElement.Escape(call.SessionName)}</SessionToken>
                  <Expiration>{expiration}</Expiration>
                </Credentials>
                <AssumedRoleUser>
                  <AssumedRoleId>AROAEXAMPLE:{SecurityElement.Escape(call.SessionName)}</AssumedRoleId>
                  <Arn>{SecurityElement.Escape(call.RoleArn)}/{SecurityElement.Escape(call.SessionName)}</Arn>
                </AssumedRoleUser>
              </AssumeRoleResult>
              <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
            </AssumeRoleResponse>
            """, "text/xml");
    }

    private static IResult Error(int status, string code, string message) => Results.Text($"""
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>
          <RequestId>{Guid.NewGuid()}</RequestId>
        </ErrorResponse>
        """, "text/xml", statusCode: status);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/\d{8}/[a-z0-9-]+/(?<service>[a-z0-9]+)/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$")]
    private static partial Regex SigV4();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
