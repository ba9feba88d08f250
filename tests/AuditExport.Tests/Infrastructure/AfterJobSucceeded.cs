using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// Stops an export at its most delicate point, through the storage pipeline as a real failure would: right after the job
/// row is written as Succeeded (every object uploaded), before the watermark moves. <see cref="ActAsync"/> runs there; an
/// exception from it is what the runner's write sees (a crash at that point). Once per call, outside the SDK's retries.
/// </summary>
public abstract class AfterJobSucceeded : HttpPipelinePolicy
{
    private string? _jobsTable;

    public void Watch(string jobsTable) => _jobsTable = jobsTable;

    /// <param name="objectNames">The objects the job row names, as the runner wrote them.</param>
    protected abstract Task ActAsync(IReadOnlyList<string> objectNames);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var body = _jobsTable is not null && message.Request.Method != RequestMethod.Get && message.Request.Uri.Path.Contains(_jobsTable, StringComparison.Ordinal)
            ? Body(message) : "";
        await ProcessNextAsync(message, pipeline);
        if (body.Contains("\"Status\":\"Succeeded\"", StringComparison.Ordinal) && message.Response.Status is >= 200 and < 300)
        {
            var objects = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("Objects").GetString()!;
            await ActAsync(System.Text.Json.JsonSerializer.Deserialize<List<string>>(objects)!);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    /// <summary>A storage request's body as text (table writes are JSON).</summary>
    public static string Body(HttpMessage message)
    {
        if (message.Request.Content is null)
        {
            return "";
        }
        using var buffer = new MemoryStream();
        message.Request.Content.WriteTo(buffer, default);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
