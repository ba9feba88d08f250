using AuditExport.Api;
using AuditExport.Destinations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuditExport.Hosting;

/// <summary>
/// <c>GET /api/health</c>: the health checks' report (<see cref="HandlerHealthChecks"/>), 200 when all pass and 503
/// naming what failed and why, without naming accounts or keys. The route is anonymous (for probes), so a report
/// is reused for a few seconds: callers cannot turn it into storage traffic.
/// </summary>
public sealed class HealthEndpoint(HealthCheckService checks, TimeProvider clock)
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, HealthReport Report)? _last;

    public sealed record Check(string Status, string? Reason = null);

    public sealed record HealthReport(string Status, string? Version, IReadOnlyDictionary<string, Check> Checks)
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public bool Healthy => Status == "healthy";
    }

    /// <summary>The handler's version as built (1.0.0+the commit), not the assembly version's 1.0.0.0.</summary>
    public static readonly string? Version = typeof(HealthEndpoint).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/health", async (HealthEndpoint health, CancellationToken ct) =>
        {
            var report = await health.CheckAsync(ct);
            return Results.Json(report, ApiJson.Options, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().Produces<HealthReport>().Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable)
        .WithName("Health").WithSummary("Whether storage is reachable and the secret keys work; 503 names what failed");

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < Reuse)
            {
                return last.Report;
            }
            var result = await checks.CheckHealthAsync(cancellationToken);
            var report = new HealthReport(result.Status == HealthStatus.Healthy ? "healthy" : "unhealthy", Version,
                result.Entries.ToDictionary(e => e.Key, e => Describe(e.Value)));
            _last = (clock.GetUtcNow(), report);
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static Check Describe(HealthReportEntry entry) => entry switch
    {
        { Status: HealthStatus.Healthy } => new Check("ok"),
        { Exception: OperationCanceledException } => new Check("failed", $"no answer within {HandlerHealthChecks.CheckTimeout.TotalSeconds:0} seconds"),
        { Exception: { } e } => new Check("failed", RetryPolicy.Describe(e)),
        _ => new Check("failed", entry.Description),
    };
}
