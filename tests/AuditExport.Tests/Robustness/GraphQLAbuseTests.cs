using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Api.GraphQL;
using AuditExport.Hosting;
using AuditExport.Tests.Infrastructure;
using Xunit.Abstractions;
using AuditExport.Api.Security;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// A Reader's GraphQL request is refused before it runs when it asks for too much, and a document the parser cannot
/// take is a GraphQL error, never a 500 that logs the request (issue 25, findings 3 and 5), through the front door.
/// </summary>
[Collection(EmulatorsCollection.Robustness)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class GraphQLAbuseTests(EmulatorsFixture emulators, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Canary = "LEAKCANARY0123456789";
    private static readonly Caller Reader = new("auditor@contoso.example", "5b5450db-eb26-4c1a-981c-ba1d25f0483d", new HashSet<string> { ApiRoles.Reader }, "aad");
    private TestHandler _handler = null!;
    private HttpClient _reader = null!;

    public async Task InitializeAsync()
    {
        _handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
        _reader = _handler.FrontDoor.CreateClient(caller: Reader);
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _handler.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> PostAsync(string query)
    {
        using var response = await _reader.PostAsync("/api/audit/graphql", new StringContent(new JsonObject { ["query"] = query }.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    private static string Code(JsonElement body) => body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString()!;

    /// <summary>graphql-js's getIntrospectionQuery(), which GraphQL tools send: it must keep working.</summary>
    public const string StandardIntrospection = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }
        """;

    [Fact]
    public async Task The_standard_introspection_query_still_answers()
    {
        var (status, body, text) = await PostAsync(StandardIntrospection);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        Assert.Contains("createS3AccessKeyExportConfiguration", text);
        output.WriteLine($"standard introspection: {text.Length} bytes");
    }

    [Fact]
    public async Task Thirteen_levels_of_fragments_over_possibleTypes_and_interfaces_are_refused_at_once()
    {
        var fragments = new StringBuilder();
        for (var level = 0; level < 13; level++)
        {
            fragments.Append($"fragment F{level} on __Type {{ name kind possibleTypes {{ ...F{level + 1} }} interfaces {{ ...F{level + 1} }} }}\n");
        }
        fragments.Append("fragment F13 on __Type { name }\n");
        var query = "{ __schema { types { ...F0 } } }\n" + fragments;
        output.WriteLine($"{query.Length} bytes");
        var clock = Stopwatch.StartNew();
        var memoryBefore = Process.GetCurrentProcess().WorkingSet64;

        var (status, body, _) = await PostAsync(query);

        output.WriteLine($"refused in {clock.ElapsedMilliseconds} ms; working set {memoryBefore / 1048576} → {Process.GetCurrentProcess().WorkingSet64 / 1048576} MB");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("QUERY_TOO_COMPLEX", Code(body));
        Assert.False(body.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Few_fields_under_nested_lists_are_refused_by_the_cost_limit()
    {
        var (_, body, _) = await PostAsync("{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }");

        output.WriteLine(body.ToString());
        Assert.Equal("QUERY_TOO_COMPLEX", Code(body));
        Assert.Contains($"{GraphQLEndpoint.MaxComplexity}", body.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Introspection_fields_count_toward_the_operation_limit()
    {
        var query = "{ " + string.Join(" ", Enumerable.Range(0, 11).Select(i => $"s{i}: __schema {{ types {{ name }} }}")) + " }";

        var (_, body, _) = await PostAsync(query);

        Assert.Equal("TOO_MANY_OPERATIONS", Code(body));
    }

    [Theory]
    [InlineData("selections")]
    [InlineData("list values")]
    [InlineData("syntax")]
    public async Task Documents_the_parser_refuses_are_GraphQL_errors_and_neither_the_answer_nor_logs_nor_spans_hold_their_text(string kind)
    {
        var query = kind switch
        {
            "selections" => $"mutation {{ createS3AccessKeyExportConfiguration(data: {{secretAccessKey: \"{Canary}\"}}) " + string.Concat(Enumerable.Repeat("{ a ", 70)) + new string('}', 70) + " }",
            "list values" => $"mutation {{ createS3AccessKeyExportConfiguration(data: {{secretAccessKey: \"{Canary}\", path: " + new string('[', 130) + new string(']', 130) + "}) { id } }",
            _ => $"mutation {{ createS3AccessKeyExportConfiguration(data: {{secretAccessKey: \"{Canary}\" ]}}) {{ id }} }}",
        };

        var (status, body, text) = await PostAsync(query);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(kind == "syntax" ? "SYNTAX_ERROR" : "QUERY_TOO_DEEP", Code(body));
        Assert.DoesNotContain(Canary, text);
        Assert.DoesNotContain(_handler.Logs, l => l.Contains(Canary, StringComparison.Ordinal));
        Assert.DoesNotContain(_handler.Telemetry.Logs, l => l.Message?.Contains(Canary, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(_handler.Telemetry.Spans, s => s.Tags.Any(t => t.Value?.Contains(Canary, StringComparison.Ordinal) == true)
            || s.Events.Any(e => e.Tags.Any(t => t.Value?.ToString()?.Contains(Canary, StringComparison.Ordinal) == true)));
    }
}
