using System.Text;
using System.Text.Json;
using AuditExport.Hosting;
using Microsoft.AspNetCore.Http;
using AuditExport.Api;

namespace AuditExport.Tests.Hosting;

public sealed class InvocationBodyTests
{
    private static HttpRequest Request(string body, bool withLength)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = withLength ? bytes.Length : null;
        return context.Request;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // chunked: the buffer grows from 64 KiB
    public async Task A_large_body_is_read_whole_and_Data_and_Metadata_are_found_in_any_case(bool withLength)
    {
        var events = Enumerable.Range(0, 2_000).Select(i => $"{{\"id\":\"e{i}\",\"pad\":\"{new string('x', 200)}\"}}").ToArray();
        var body = JsonSerializer.Serialize(new { data = new { events }, METADATA = new { PartitionContext = new { PartitionId = "3" } } });
        Assert.True(body.Length > 256 * 1024);

        using var invocation = await InvocationBody.ReadAsync(Request(body, withLength), 64 * 1024 * 1024, "events", default);

        Assert.Equal(2_000, invocation.Data.GetProperty("events").GetArrayLength());
        Assert.Equal("e1999", JsonDocument.Parse(invocation.Data.GetProperty("events")[1999].GetString()!).RootElement.GetProperty("id").GetString());
        Assert.Equal("3", invocation.Metadata.GetProperty("PartitionContext").GetProperty("PartitionId").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_a_JsonException_and_missing_parts_are_undefined()
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => InvocationBody.ReadAsync(Request("{\"Data\": {", withLength: true), 64 * 1024 * 1024, "events", default));

        using var empty = await InvocationBody.ReadAsync(Request("[1]", withLength: true), 64 * 1024 * 1024, "events", default);
        Assert.Equal(JsonValueKind.Undefined, empty.Data.ValueKind);
        Assert.Equal(JsonValueKind.Undefined, empty.Metadata.ValueKind);
    }

    [Fact]
    public void The_answer_options_are_read_only_before_the_first_answer()
    {
        // Results.Json sets a resolver on options that are not read-only yet; two first answers at once raced and failed a batch.
        Assert.True(HandlerJson.Options.IsReadOnly);
        Assert.True(ApiJson.Options.IsReadOnly);
    }
}
