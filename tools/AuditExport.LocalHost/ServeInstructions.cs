using System.Text.Json.Nodes;

namespace AuditExport.LocalHost;

/// <summary>
/// What <c>run-local.sh --serve</c> prints for making one's own configurations and driving the app: an S3 bucket and an
/// ADLS container of one's own in the emulators with the create commands that work against them, the CLI's variables,
/// and how to send events and fire a timer as the host would.
/// </summary>
public static class ServeInstructions
{
    public sealed record Destinations(Uri S3Endpoint, string Bucket, Uri BlobEndpoint, string Container, string Sas);

    public static IEnumerable<string> Lines(string api, string functionKey, string token, Uri handler, Destinations own)
    {
        var headers = $"-H 'x-functions-key: {functionKey}' -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json'";
        var s3 = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = own.Bucket, ["path"] = "mine", ["region"] = "us-east-1",
            ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER", ["endpoint"] = own.S3Endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };
        var adls = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = "devstoreaccount1", ["fileSystem"] = own.Container, ["path"] = "mine",
            ["sasToken"] = own.Sas, ["endpoint"] = own.BlobEndpoint.AbsoluteUri,
        };
        var oneEvent = "{\"id\":\"my-event-1\",\"eventTimestamp\":\"" + DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") + "\",\"actor\":\"me\"}";
        // As the host sends it (dataType binary): the batch as one string holding base64 bodies.
        var invocation = new JsonObject
        {
            ["Data"] = EventHubInvocation.Create([oneEvent], null, null, DateTimeOffset.UtcNow)["Data"]!.DeepClone(),
            ["Metadata"] = new JsonObject(),
        };
        var handlerUrl = handler.AbsoluteUri.TrimEnd('/');
        yield return "";
        yield return $"Your own configurations: s3rver bucket '{own.Bucket}' (key S3RVER/S3RVER, path-style) at {own.S3Endpoint}, Azurite container '{own.Container}':";
        yield return $"  curl -s -X POST {headers} {api}/export-configurations/s3-access-key -d '{s3.ToJsonString()}'";
        yield return $"  curl -s -X POST {headers} {api}/export-configurations/adls-sas-token -d '{adls.ToJsonString()}'";
        yield return "";
        yield return "The command line (tools/AuditExport.Cli; install it as the README's Command line section shows):";
        yield return $"  export AUDIT_EXPORT_URL={api[..^4]} AUDIT_EXPORT_KEY={functionKey} AUDIT_EXPORT_TOKEN={token}";
        yield return "  audit-export exportConfig list";
        yield return "";
        yield return "Send events and fire a timer as the Functions host does (straight to the handler; each event's bytes in base64):";
        yield return $"  curl -s -X POST -H 'Content-Type: application/json' {handlerUrl}/IngestAuditEvents -d '{invocation.ToJsonString(EventHubInvocation.HostJson)}'";
        yield return $"  curl -s -X POST -H 'Content-Type: application/json' {handlerUrl}/ExportEvery2Hours -d '{{\"Data\":{{}},\"Metadata\":{{}}}}'";
        yield return "  (the export takes events ingested more than a few seconds ago: the local safety lag)";
    }
}
