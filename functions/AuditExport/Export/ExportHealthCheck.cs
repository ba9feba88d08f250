using AuditExport.Configurations;
using AuditExport.Observability;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>What one health check found: how many configurations are in each state.</summary>
public sealed record ExportHealthSummary(IReadOnlyDictionary<HealthState, int> States, IReadOnlyList<string> NeedAttention);

/// <summary>
/// The CheckExportHealth timer: judges every configuration, publishes the result as metrics (what the
/// alert rules watch) and logs one warning per configuration that is late or failing. Separate from the
/// export timers, so a timer that stopped firing is itself noticed.
/// </summary>
public sealed class ExportHealthCheck(ExportConfigurationService configurations, ExportStores stores, ExportOptions options, TimeProvider clock,
    AuditExportMetrics metrics, ILogger<ExportHealthCheck> logger)
{
    public async Task<ExportHealthSummary> RunAsync(CancellationToken cancellationToken)
    {
        var judged = new List<(ExportConfiguration, ExportHealth)>();
        foreach (var configuration in await configurations.ListAsync(cancellationToken))
        {
            var state = await stores.GetStateAsync(configuration.Id, cancellationToken);
            judged.Add((configuration, ExportHealth.Judge(configuration, state, options.SafetyLag, clock.GetUtcNow()))); // as the API judges it
        }
        metrics.HealthChecked(
            judged.Select(j => new AuditExportMetrics.ConfigurationHealth(j.Item1.Id, j.Item1.Enabled, j.Item2.State.ToString(), j.Item2.LastSuccessAt ?? j.Item1.CreatedAt)).ToList(),
            Enum.GetNames<HealthState>());
        var attention = new List<string>();
        foreach (var (configuration, health) in judged.Where(j => j.Item2.State is HealthState.LATE or HealthState.FAILING))
        {
            logger.LogWarning("Export configuration {Id} ({Destination}) is {State}: {Reason}", configuration.Id, configuration.Destination.Describe(), health.State, health.Reason);
            attention.Add($"{configuration.Id} {health.State}");
        }
        var states = Enum.GetValues<HealthState>().ToDictionary(s => s, s => judged.Count(j => j.Item2.State == s));
        return new ExportHealthSummary(states, attention);
    }
}
