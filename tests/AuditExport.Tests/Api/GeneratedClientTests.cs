using System.Net;
using AuditExport.LocalHost;
using AuditExport.Tests.Api.Generated;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Api;

/// <summary>
/// A client generated from the committed OpenAPI document works: it creates, lists and deletes a configuration through
/// the real handler, and fails with the documented problem where the API answers one. The committed client is what the
/// generator makes from the committed document, so a change to the API that breaks generated clients shows up here.
/// </summary>
[Collection(EmulatorsCollection.Api)]
public sealed class GeneratedClientTests(EmulatorsFixture emulators)
{
    private static readonly string OpenApiPath = Path.Combine(RepositoryLayout.Root, "functions", "AuditExport", "Api", "openapi.json");

    [Fact]
    public async Task The_committed_client_is_what_the_generator_makes_from_the_committed_document()
    {
        var generated = await GeneratedClient.GenerateAsync(OpenApiPath);
        var committed = File.ReadAllText(GeneratedClient.CommittedPath).ReplaceLineEndings("\n");
        if (generated != committed)
        {
            var fresh = Path.Combine(Path.GetTempPath(), "AuditExportClient.g.cs");
            File.WriteAllText(fresh, generated);
            Assert.Fail($"{GeneratedClient.CommittedPath} is not what NSwag generates from openapi.json; if the API change is meant, copy {fresh} over it.");
        }
    }

    [Fact]
    public async Task A_client_generated_from_the_document_creates_lists_and_deletes_a_configuration()
    {
        await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        using var http = handler.Http();
        var client = new AuditExportClient(http);

        ConfigurationResponse created;
        try { created = await client.CreateS3AccessKeyConfigurationAsync(new S3AccessKeyConfigurationRequest
        {
            Interval = S3AccessKeyConfigurationRequestInterval.EVERY_4_HOURS,
            Bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint),
            Region = "us-east-1",
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
            Endpoint = emulators.S3Endpoint.AbsoluteUri,
            ForcePathStyle = true,
        }); } catch (ApiException<HttpValidationProblemDetails> e) { Assert.Fail(System.Text.Json.JsonSerializer.Serialize(e.Result)); throw; }
        var listed = await client.ListExportConfigurationsAsync();
        await client.DeleteExportConfigurationAsync(created.Id);
        var afterDelete = await client.ListExportConfigurationsAsync();
        var gone = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => client.GetExportConfigurationAsync(created.Id));

        Assert.Equal("SUCCESS", created.ConnectionStatus);
        Assert.Equal("EVERY_4_HOURS", created.Interval);
        Assert.Contains(listed, c => c.Id == created.Id && c.Etag == created.Etag);
        Assert.DoesNotContain(afterDelete, c => c.Id == created.Id);
        Assert.Equal((int)HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(404, gone.Result.Status); // the problem body the document promises, read as its type
    }
}
