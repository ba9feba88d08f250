using AuditExport.Configurations;
using AuditExport.Destinations;
using AuditExport.Ingest;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Hosting;

/// <summary>
/// What <c>/api/health</c> checks: the tables and the quarantine container the app depends on are reachable
/// with its identity, and the secret keys encrypt and decrypt. The route is anonymous (for probes), so an answer
/// is reused for a few seconds and says which check failed and why, without naming accounts or keys.
/// </summary>
public sealed class HealthProbe(TableServiceClient tables, BlobServiceClient blobs, IngestOptions ingest, SecretProtector secrets, TimeProvider clock)
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, HealthReport Report)? _last;

    public sealed record Check(string Status, string? Reason = null);

    public sealed record HealthReport(string Status, string? Version, IReadOnlyDictionary<string, Check> Checks)
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public bool Healthy => Status == "healthy";
    }

    /// <summary>The handler's version as built (1.0.0+the commit), not the assembly version's 1.0.0.0.</summary>
    public static readonly string? Version = typeof(HealthProbe).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < Reuse)
            {
                return last.Report;
            }
            var checks = new Dictionary<string, Check>
            {
                ["tableStorage"] = await RunAsync(ct => tables.QueryAsync(maxPerPage: 1, cancellationToken: ct).FirstOrDefaultAsync(ct).AsTask(), cancellationToken),
                ["blobStorage"] = await RunAsync(ct => blobs.GetBlobContainerClient(ingest.QuarantineContainer).ExistsAsync(ct), cancellationToken),
                ["secretKeys"] = secrets.UnavailableReason is { } unavailable ? new Check("failed", unavailable) : await RunAsync(_ =>
                {
                    var context = SecretProtector.Context(Guid.Empty, "health");
                    return secrets.Unprotect(secrets.Protect("probe", context), context) == "probe"
                        ? Task.CompletedTask
                        : throw new InvalidOperationException("a secret did not decrypt to what was encrypted");
                }, cancellationToken),
            };
            var report = new HealthReport(checks.Values.All(c => c.Status == "ok") ? "healthy" : "unhealthy",
                Version, checks);
            _last = (clock.GetUtcNow(), report);
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<Check> RunAsync(Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            await check(timeout.Token);
            return new Check("ok");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Check("failed", $"no answer within {CheckTimeout.TotalSeconds:0} seconds");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Check("failed", RetryPolicy.Describe(e));
        }
    }
}
