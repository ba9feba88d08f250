using NSwag;
using NSwag.CodeGeneration.CSharp;

namespace AuditExport.Tests.Api;

/// <summary>
/// How the committed client (<c>Api/Generated/AuditExportClient.g.cs</c>) is generated from the committed OpenAPI
/// document: NSwag, System.Text.Json, nullable reference types, base address from the HttpClient.
/// </summary>
public static class GeneratedClient
{
    public static string CommittedPath => Path.Combine(AuditExport.LocalHost.RepositoryLayout.Root, "tests", "AuditExport.Tests", "Api", "Generated", "AuditExportClient.g.cs");

    public static async Task<string> GenerateAsync(string openApiPath)
    {
        var document = await OpenApiDocument.FromFileAsync(openApiPath);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "AuditExportClient",
            UseBaseUrl = false,
            GenerateClientInterfaces = false,
            GenerateOptionalParameters = true,
            CSharpGeneratorSettings =
            {
                Namespace = "AuditExport.Tests.Api.Generated",
                JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson,
                GenerateNullableReferenceTypes = true,
            },
        };
        // Line endings as git stores them, so the comparison holds on any machine.
        return new CSharpClientGenerator(document, settings).GenerateFile().ReplaceLineEndings("\n");
    }
}
