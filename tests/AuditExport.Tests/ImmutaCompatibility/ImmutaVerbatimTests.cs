using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// Immuta's ADLS, lifecycle and job-task documents sent as <see cref="ImmutaDocuments"/> holds them (placeholders filled;
/// the ADLS create gains one line, the emulator's endpoint), through the host stand-in, answered in Immuta's shapes.
/// </summary>
[Collection(EmulatorsCollection.Immuta)]
public sealed class ImmutaVerbatimTests(EmulatorsFixture emulators)
{
    private static async Task<JsonElement> PostAsync(HttpClient http, string query, JsonObject? variables = null)
    {
        var request = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            request["variables"] = variables;
        }
        using var response = await http.PostAsync("/api/audit/graphql", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static JsonElement Data(JsonElement body, string field)
    {
        Assert.False(body.TryGetProperty("errors", out var errors), $"errors: {errors}");
        return body.GetProperty("data").GetProperty(field);
    }

    [Fact]
    public async Task Immutas_adls_create_update_job_tasks_disable_enable_and_delete_work_as_written()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var container = EmulatorsFixture.UniqueName("immuta-");
        await emulators.CreateContainerAsync(container);
        var sas = AzuriteSas.ForContainer(container, "cw", ExportBench.Start.AddYears(1));
        var placeholders = new Dictionary<string, string>
        {
            ["your-adls-storage-account"] = StorageConnection.DevelopmentAccountName, ["audit-output"] = container, ["your-sas-token"] = sas,
        };

        // Create, with interval written as the string "EVERY_12_HOURS" as Immuta's example has it.
        var create = ImmutaDocuments.WithData(ImmutaDocuments.Fill(ImmutaDocuments.CreateAdlsSasToken, placeholders),
            $"endpoint: \"{emulators.BlobService().Uri.AbsoluteUri}\",");
        var created = Data(await PostAsync(bench.Http, create), "createAdlsSasTokenEndpointConfiguration");
        var id = created.GetProperty("id").GetString()!;
        // Field for field Immuta's example response.
        Assert.Equal(["id", "interval", "enabled", "connectionStatus", "endpointConfiguration"], created.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("EVERY_12_HOURS", true, "SUCCESS"), (created.GetProperty("interval").GetString(), created.GetProperty("enabled").GetBoolean(), created.GetProperty("connectionStatus").GetString()));
        var endpoint = created.GetProperty("endpointConfiguration");
        Assert.Equal(["storageAccount", "fileSystem", "path"], endpoint.EnumerateObject().Select(p => p.Name));
        Assert.Equal((StorageConnection.DevelopmentAccountName, container, "immuta-audit"),
            (endpoint.GetProperty("storageAccount").GetString(), endpoint.GetProperty("fileSystem").GetString(), endpoint.GetProperty("path").GetString()));

        // Update, with the id inside data and interval as an enum literal.
        placeholders["<export configuration ID>"] = id;
        var updated = Data(await PostAsync(bench.Http, ImmutaDocuments.Fill(ImmutaDocuments.UpdateAdlsSasToken, placeholders)), "updateAdlsSasTokenExportConfiguration");
        Assert.Equal(["id", "interval", "enabled", "endpointConfiguration"], updated.EnumerateObject().Select(p => p.Name));
        Assert.Equal("EVERY_2_HOURS", updated.GetProperty("interval").GetString());
        Assert.Equal("AdlsSasTokenEndpointConfiguration", updated.GetProperty("endpointConfiguration").GetProperty("__typename").GetString());
        Assert.Equal("SUCCESS", (await bench.ConfigurationAsync(id)).GetProperty("connectionStatus").GetString());

        // A job, then its tasks by the job id getAllExportJobs answers.
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(1)); // after the configuration was created: its first window starts there
        await bench.IngestAsync([Samples.Event("immuta-task")]);
        bench.Clock.SetUtcNow(ExportBench.Start.AddHours(2));
        Assert.Equal(200, (await bench.ExportNowAsync(id)).Status);
        var jobs = Data(await PostAsync(bench.Http, $"{{ getAllExportJobs(exportConfigurationId: \"{id}\") {{ id status }} }}"), "getAllExportJobs");
        var jobId = Assert.Single(jobs.EnumerateArray()).GetProperty("id").GetString()!;
        var tasks = Data(await PostAsync(bench.Http, ImmutaDocuments.GetAllExportJobTasks, new JsonObject { ["exportJobId"] = jobId }), "getAllExportJobTasks");
        var task = Assert.Single(tasks.EnumerateArray());
        Assert.Equal(["id", "startTimestamp", "endTimestamp", "attempts", "offset", "limit", "status", "failureReason"], task.EnumerateObject().Select(p => p.Name));
        Assert.Equal((jobId, 1.0, 0, 1, "SUCCEEDED"), (task.GetProperty("id").GetString(), task.GetProperty("attempts").GetDouble(),
            task.GetProperty("offset").GetInt32(), task.GetProperty("limit").GetInt32(), task.GetProperty("status").GetString()));
        Assert.Matches(@"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\z", task.GetProperty("endTimestamp").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("failureReason").ValueKind);

        // Disable, enable, delete: each answers the id, as Immuta's examples show.
        foreach (var (document, field) in new[] { (ImmutaDocuments.Disable, "disableExportConfiguration"), (ImmutaDocuments.Enable, "enableExportConfiguration"), (ImmutaDocuments.Delete, "deleteExportConfiguration") })
        {
            var answer = Data(await PostAsync(bench.Http, ImmutaDocuments.Fill(document, placeholders)), field);
            Assert.Equal(id, answer.GetProperty("id").GetString());
        }
        using var gone = await bench.Http.GetAsync($"/api/export-configurations/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("data: {interval: EVERY_2_HOURS, storageAccount: \"acct1\", fileSystem: \"fs\", sasToken: \"sv=1\"}, input: {interval: EVERY_2_HOURS, storageAccount: \"acct1\", fileSystem: \"fs\", sasToken: \"sv=1\"}")]
    [InlineData("")]
    public async Task A_create_needs_its_fields_as_data_or_as_input_once(string arguments)
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var mutation = arguments.Length == 0
            ? "mutation { createAdlsSasTokenEndpointConfiguration { id } }"
            : $"mutation {{ createAdlsSasTokenEndpointConfiguration({arguments}) {{ id }} }}";

        var body = await PostAsync(bench.Http, mutation);

        var error = body.GetProperty("errors")[0];
        Assert.Equal("Pass the fields as data: { ... } (Immuta's form) or as input: { ... }, one of the two.", error.GetProperty("message").GetString());
        Assert.Empty((await bench.Http.GetFromJsonAsync<JsonElement>("/api/export-configurations?verify=false")).EnumerateArray());
    }
}
