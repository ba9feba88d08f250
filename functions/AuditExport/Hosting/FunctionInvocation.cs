using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditExport.Hosting;

/// <summary>What the host expects back: output bindings, log lines for the host's log, and a return value.</summary>
public sealed class InvocationResponse
{
    [JsonPropertyName("Outputs")]
    public Dictionary<string, object?> Outputs { get; init; } = [];

    [JsonPropertyName("Logs")]
    public List<string> Logs { get; init; } = [];

    [JsonPropertyName("ReturnValue")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? ReturnValue { get; init; }
}
