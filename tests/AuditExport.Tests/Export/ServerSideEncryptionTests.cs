using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Destinations;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuditExport.Tests.Export;

/// <summary>
/// S3 server-side encryption per configuration: the headers go on every PutObject and CreateMultipartUpload (a recording
/// proxy in front of s3rver shows them), never on UploadPart, and the connection test sends them too, so a bucket policy
/// that requires them (a proxy that denies writes without them) is caught when the configuration is created.
/// </summary>
[Collection(EmulatorsCollection.Export)]
public sealed class ServerSideEncryptionTests(EmulatorsFixture emulators)
{
    private const string KeyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string Sse = "x-amz-server-side-encryption";
    private const string SseKey = "x-amz-server-side-encryption-aws-kms-key-id";
    private const string BucketKey = "x-amz-server-side-encryption-bucket-key-enabled";

    private static JsonObject Body(string bucket, Uri endpoint, JsonObject? encryption = null)
    {
        var body = new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["bucket"] = bucket, ["path"] = "audit", ["region"] = "us-east-1",
            ["accessKeyId"] = "S3RVER", ["secretAccessKey"] = "S3RVER", ["endpoint"] = endpoint.AbsoluteUri, ["forcePathStyle"] = true,
        };
        foreach (var (name, value) in encryption ?? [])
        {
            body[name] = value?.DeepClone();
        }
        return body;
    }

    private static bool IsWrite(SeenRequest r) => r.Method is "PUT" or "POST";

    [Fact]
    public async Task Every_write_of_an_export_and_its_connection_test_carries_the_configured_encryption()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        proxy.Record = true;
        await using var bench = await ExportBench.StartAsync(emulators);
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var created = await bench.Http.PostAsJsonAsync("/api/export-configurations/s3-access-key",
            Body(bucket, proxy.Endpoint, new JsonObject { ["serverSideEncryption"] = "aws:kms", ["kmsKeyId"] = KeyArn, ["bucketKeyEnabled"] = true }));
        var configuration = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, configuration.ToString());
        Assert.Equal("SUCCESS", configuration.GetProperty("connectionStatus").GetString());
        var endpoint = configuration.GetProperty("endpointConfiguration");
        Assert.Equal("aws:kms", endpoint.GetProperty("serverSideEncryption").GetString());
        Assert.Equal(KeyArn, endpoint.GetProperty("kmsKeyId").GetString());
        Assert.True(endpoint.GetProperty("bucketKeyEnabled").GetBoolean());
        var id = configuration.GetProperty("id").GetString()!;
        bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(10));
        await bench.IngestAsync(Samples.Numbered("sse", 50));
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        var (status, job) = await bench.ExportNowAsync(id);
        Assert.Equal(200, status);
        Assert.Equal("SUCCEEDED", job.GetProperty("status").GetString());

        var writes = proxy.Seen.Where(IsWrite).ToList();
        // The probe, the data object, the digest and its signature.
        Assert.Equal(4, writes.Count);
        Assert.Contains(writes, w => w.Target.Contains(ConnectionTester.ProbeObjectName));
        Assert.Contains(writes, w => w.Target.Contains(".json.sig"));
        Assert.All(writes, w =>
        {
            Assert.Equal("aws:kms", w.Headers.GetValueOrDefault(Sse));
            Assert.Equal(KeyArn, w.Headers.GetValueOrDefault(SseKey));
            Assert.Equal("true", w.Headers.GetValueOrDefault(BucketKey));
        });
    }

    [Fact]
    public async Task A_multipart_upload_sends_the_headers_on_create_and_none_on_its_parts()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        proxy.Record = true;
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var content = new byte[20 * 1024 * 1024 + 3];
        new Random(7).NextBytes(content);
        var retry = new RetryPolicy(2, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), NullLogger.Instance);
        await using (var destination = new S3ExportDestination(S3Buckets.Client(proxy.Endpoint), bucket, customEndpoint: true, retry,
            new S3Encryption("AES256", null, false)))
        {
            await using var writer = await destination.StartObjectAsync("big/object.jsonl.gz", "application/gzip", default);
            await writer.WriteAsync(content, default);
            await writer.CompleteAsync(default);
        }

        var writes = proxy.Seen.Where(IsWrite).ToList();
        var create = Assert.Single(writes, w => w.Method == "POST" && w.Target.Contains("uploads"));
        var parts = writes.Where(w => w.Method == "PUT" && w.Target.Contains("partNumber=")).ToList();
        Assert.Equal("AES256", create.Headers.GetValueOrDefault(Sse));
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.False(p.Headers.ContainsKey(Sse), "UploadPart takes no SSE-S3/KMS headers; S3 refuses them"));
        Assert.Equal(content, await S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, "big/object.jsonl.gz"));
    }

    [Fact]
    public async Task A_bucket_policy_that_requires_kms_is_caught_by_the_connection_test_and_met_by_the_settings()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        // As a bucket policy with "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}} denies s3:PutObject.
        proxy.RequestFaults = r => r.Method == "PUT" && !r.Query.ContainsKey("partNumber") && r.Headers[Sse] != "aws:kms" ? new Fault(FaultKind.StatusBefore, 403) : null;
        await using var bench = await ExportBench.StartAsync(emulators);
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);

        var refused = await (await bench.Http.PostAsJsonAsync("/api/export-configurations/s3-access-key", Body(bucket, proxy.Endpoint)))
            .Content.ReadFromJsonAsync<JsonElement>();
        var met = await (await bench.Http.PostAsJsonAsync("/api/export-configurations/s3-access-key",
            Body(bucket, proxy.Endpoint, new JsonObject { ["serverSideEncryption"] = "aws:kms" }))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("Error testing access to S3 using AccessKey S3RVER - the endpoint answered HTTP 403 (AccessDenied) " +
            "(if a bucket policy requires server-side encryption headers, set serverSideEncryption, and kmsKeyId for aws:kms)",
            refused.GetProperty("connectionStatus").GetString());
        Assert.Equal("SUCCESS", met.GetProperty("connectionStatus").GetString());
    }

    [Theory]
    [InlineData("{\"serverSideEncryption\":\"aws:kms:dsse\"}", "serverSideEncryption", "must be AES256 (SSE-S3) or aws:kms (SSE-KMS)")]
    [InlineData("{\"serverSideEncryption\":\"AES256\",\"kmsKeyId\":\"alias/audit\"}", "kmsKeyId", "needs serverSideEncryption aws:kms")]
    [InlineData("{\"kmsKeyId\":\"alias/audit\"}", "kmsKeyId", "needs serverSideEncryption aws:kms")]
    [InlineData("{\"serverSideEncryption\":\"aws:kms\",\"kmsKeyId\":\"arn:aws:s3:::not-a-key\"}", "kmsKeyId", "must be a KMS key id, key ARN, alias (alias/name) or alias ARN")]
    [InlineData("{\"serverSideEncryption\":\"AES256\",\"bucketKeyEnabled\":true}", "bucketKeyEnabled", "needs serverSideEncryption aws:kms")]
    public async Task Encryption_settings_that_cannot_work_are_refused_with_the_field_named(string encryption, string field, string message)
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var response = await bench.Http.PostAsJsonAsync("/api/export-configurations/s3-access-key",
            Body("audit-bucket", emulators.S3Endpoint, JsonNode.Parse(encryption)!.AsObject()));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Encryption_is_set_through_GraphQL_by_the_same_rules_and_adls_has_none()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var document = $$"""
            mutation { createS3AccessKeyExportConfiguration(data: { interval: EVERY_2_HOURS, bucket: "{{bucket}}", region: "us-east-1", path: "audit",
              accessKeyId: "S3RVER", secretAccessKey: "S3RVER", endpoint: "{{emulators.S3Endpoint.AbsoluteUri}}", forcePathStyle: true,
              serverSideEncryption: "aws:kms", kmsKeyId: "alias/audit-export" }) {
              id connectionStatus endpointConfiguration { ... on S3EndpointConfiguration { serverSideEncryption kmsKeyId bucketKeyEnabled } } } }
            """;
        var answer = await (await bench.Http.PostAsJsonAsync("/api/audit/graphql", new { query = document })).Content.ReadFromJsonAsync<JsonElement>();
        var adls = await bench.Http.PostAsJsonAsync("/api/export-configurations/adls-sas-token", new JsonObject
        {
            ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = "devstoreaccount1", ["fileSystem"] = "audit", ["sasToken"] = "sv=2024-01-01&sig=x",
            ["serverSideEncryption"] = "AES256",
        });

        var created = answer.GetProperty("data").GetProperty("createS3AccessKeyExportConfiguration");
        Assert.Equal("SUCCESS", created.GetProperty("connectionStatus").GetString());
        var endpoint = created.GetProperty("endpointConfiguration");
        Assert.Equal("aws:kms", endpoint.GetProperty("serverSideEncryption").GetString());
        Assert.Equal("alias/audit-export", endpoint.GetProperty("kmsKeyId").GetString());
        Assert.False(endpoint.GetProperty("bucketKeyEnabled").GetBoolean());
        Assert.Equal(400, (int)adls.StatusCode);
        Assert.StartsWith("is not a field of AdlsSasToken configurations", (await adls.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("serverSideEncryption")[0].GetString());
    }
}
