using Azure.Core;
using Azure.Core.Pipeline;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// Makes chosen storage requests fail as if the network dropped them. Runs per attempt, after the retry
/// policy, so the client's own retries see the fault too.
/// </summary>
public sealed class FaultInjectionPolicy : HttpPipelinePolicy
{
    private int _requests;

    /// <summary>Decides, for the n-th request (1-based) with this method and URI, whether it fails.</summary>
    public Func<int, HttpMessage, bool> ShouldFail { get; set; } = (_, _) => false;

    public int Requests => _requests;
    public int Injected { get; private set; }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check(message);
        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check(message);
        ProcessNext(message, pipeline);
    }

    private void Check(HttpMessage message)
    {
        var n = Interlocked.Increment(ref _requests);
        if (ShouldFail(n, message))
        {
            Injected++;
            throw new IOException("Injected fault: connection reset by test");
        }
    }

    public static bool IsTransaction(HttpMessage message) => message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal);
}
