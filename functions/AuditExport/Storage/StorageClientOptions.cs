using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Storage;

/// <summary>Retry and timeout settings shared by the storage REST clients.</summary>
public sealed class StorageClientOptions : ClientOptions
{
    public StorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 3;
        Retry.Delay = TimeSpan.FromMilliseconds(400);
        Retry.MaxDelay = TimeSpan.FromSeconds(5);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        Diagnostics.IsLoggingEnabled = false;
        Diagnostics.IsDistributedTracingEnabled = false;
        Diagnostics.IsTelemetryEnabled = false;
    }

    /// <summary>Extra per-attempt policies (counting, fault injection in tests).</summary>
    public List<HttpPipelinePolicy> AdditionalPolicies { get; } = [];

    internal HttpPipeline BuildPipeline(HttpPipelinePolicy authPolicy) =>
        HttpPipelineBuilder.Build(this, [.. AdditionalPolicies, authPolicy]);
}
