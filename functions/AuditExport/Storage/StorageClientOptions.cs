using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Storage;

/// <summary>
/// Retry and timeout settings for the audit storage account's SDK clients (Table and Blob alike), plus
/// extra per-attempt pipeline policies: a seam for counting requests and injecting faults in tests.
/// </summary>
public sealed class StorageClientOptions
{
    public int MaxRetries { get; set; } = 3;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(400);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public List<HttpPipelinePolicy> AdditionalPolicies { get; } = [];

    /// <summary>Policies that see each call once, outside the retries (tests stop a job at a chosen write with one).</summary>
    public List<HttpPipelinePolicy> PerCallPolicies { get; } = [];

    public T Apply<T>(T options) where T : ClientOptions
    {
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        foreach (var policy in AdditionalPolicies)
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }
        foreach (var policy in PerCallPolicies)
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        }
        return options;
    }
}
