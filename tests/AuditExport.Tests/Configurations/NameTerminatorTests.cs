using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Configurations;

/// <summary>
/// A name ends where its text ends: a rule written with '$' matched before a final line break, so
/// <c>"bucket":"abc-bucket\n"</c> was stored (201) and every export then failed (issue 25, finding 6).
/// </summary>
[Collection(EmulatorsCollection.Configurations)]
public sealed class NameTerminatorTests(EmulatorsFixture emulators) : IAsyncLifetime
{
    private TestHandler _handler = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        _http = _handler.Http();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _handler.DisposeAsync();
    }

    private static readonly Dictionary<string, JsonObject> Valid = new()
    {
        ["s3-access-key"] = new() { ["interval"] = "EVERY_2_HOURS", ["bucket"] = "abc-bucket", ["region"] = "us-east-1", ["accessKeyId"] = "TESTONLYKEYID00000001", ["secretAccessKey"] = "x" },
        ["s3-assumed-role"] = new() { ["interval"] = "EVERY_2_HOURS", ["bucket"] = "abc-bucket", ["region"] = "us-east-1", ["roleArn"] = "arn:aws:iam::123456789012:role/audit" },
        ["adls-sas-token"] = new() { ["interval"] = "EVERY_2_HOURS", ["storageAccount"] = "account1", ["fileSystem"] = "files", ["sasToken"] = "sv=2024-01-01&sp=cw&se=2030-01-01&sr=c&sig=abc" },
    };

    public static TheoryData<string, string, string> Cases()
    {
        var cases = new TheoryData<string, string, string>();
        var fields = new (string Kind, string Field)[]
        {
            ("s3-access-key", "bucket"), ("s3-access-key", "region"), ("s3-access-key", "accessKeyId"),
            ("s3-assumed-role", "roleArn"), ("adls-sas-token", "storageAccount"), ("adls-sas-token", "fileSystem"),
        };
        foreach (var (kind, field) in fields)
        {
            foreach (var end in new[] { "\n", "\r\n", "\u0085", "\u2028" })
            {
                cases.Add(kind, field, end);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_name_with_a_line_break_after_it_is_refused(string kind, string field, string end)
    {
        var body = (JsonObject)Valid[kind].DeepClone();
        body[field] = body[field]!.GetValue<string>() + end;

        using var response = await _http.PostAsJsonAsync($"/api/export-configurations/{kind}", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}
