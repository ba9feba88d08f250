using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AuditExport.Observability;

/// <summary>
/// The handler's metrics (meter "AuditExport") and spans (activity source "AuditExport"). Names follow
/// OpenTelemetry's conventions; the README's Operations section lists them with their dimensions. It takes plain
/// values, so ingest and export depend on it and it on neither.
/// </summary>
public sealed class AuditExportMetrics : IDisposable
{
    public const string MeterName = "AuditExport";
    public static readonly ActivitySource Activities = new(MeterName);

    /// <summary>A health snapshot older than this is not reported: another instance checks more recently.</summary>
    public static readonly TimeSpan HealthSnapshotLifetime = TimeSpan.FromHours(1);

    private readonly Meter _meter;
    private readonly TimeProvider _clock;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _ingestLatency;
    private readonly Counter<long> _exportRecords;
    private readonly Counter<long> _exportBytes;
    private readonly Counter<long> _exportJobs;
    private volatile HealthSnapshot? _health;

    /// <summary>One configuration as the last health check judged it.</summary>
    /// <param name="SuccessClockStart">Its last successful export, or its creation if none yet.</param>
    public sealed record ConfigurationHealth(Guid Id, bool Enabled, string State, DateTimeOffset SuccessClockStart);

    private sealed record HealthSnapshot(DateTimeOffset TakenAt, IReadOnlyList<ConfigurationHealth> Configurations, IReadOnlyList<string> States);

    public AuditExportMetrics(IMeterFactory meters, TimeProvider clock)
    {
        _clock = clock;
        _meter = meters.Create(MeterName);
        _events = _meter.CreateCounter<long>("auditexport.ingest.events", "{event}",
            "Events delivered to ingest, by outcome: accepted, duplicate, quarantined (with the reason's kind)");
        _ingestLatency = _meter.CreateHistogram<double>("auditexport.ingest.latency", "s",
            "From the oldest event's enqueued time in Event Hubs to the batch being stored");
        _exportRecords = _meter.CreateCounter<long>("auditexport.export.records", "{record}", "Records exported, per configuration");
        _exportBytes = _meter.CreateCounter<long>("auditexport.export.bytes", "By", "Bytes written to destinations (gzip), per configuration");
        _exportJobs = _meter.CreateCounter<long>("auditexport.export.jobs", "{job}", "Export job attempts that ended, per configuration and outcome");
        _meter.CreateObservableGauge("auditexport.export.seconds_since_success", ObserveSecondsSinceSuccess, "s",
            "Per enabled configuration: seconds since its last successful export (since its creation if none yet)");
        _meter.CreateObservableGauge("auditexport.configurations", ObserveStates, "{configuration}",
            "Configurations per health state (HEALTHY, LATE, FAILING, DISABLED, NEVER_RUN), as of the last health check");
    }

    public void Ingested(int accepted, int duplicates, IReadOnlyDictionary<string, int> quarantinedByReason, DateTimeOffset? oldestEnqueued)
    {
        _events.Add(accepted, new KeyValuePair<string, object?>("outcome", "accepted"));
        _events.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        foreach (var (reason, count) in quarantinedByReason)
        {
            _events.Add(count, new("outcome", "quarantined"), new("reason", reason));
        }
        if (oldestEnqueued is { } enqueued)
        {
            _ingestLatency.Record(Math.Max(0, (_clock.GetUtcNow() - enqueued).TotalSeconds));
        }
    }

    /// <summary>An export job attempt that ended; records and bytes count only when it succeeded.</summary>
    public void JobEnded(Guid configurationId, string destinationType, bool succeeded, long records, long bytes)
    {
        var id = new KeyValuePair<string, object?>("configuration.id", configurationId.ToString());
        var type = new KeyValuePair<string, object?>("destination.type", destinationType);
        _exportJobs.Add(1, id, type, new("outcome", succeeded ? "SUCCEEDED" : "FAILED"));
        if (succeeded)
        {
            _exportRecords.Add(records, id, type);
            _exportBytes.Add(bytes, id, type);
        }
    }

    /// <param name="states">Every state a configuration can be in, so a state no configuration is in reports 0.</param>
    public void HealthChecked(IReadOnlyList<ConfigurationHealth> configurations, IReadOnlyList<string> states) =>
        _health = new HealthSnapshot(_clock.GetUtcNow(), configurations, states);

    private IEnumerable<Measurement<double>> ObserveSecondsSinceSuccess()
    {
        var now = _clock.GetUtcNow();
        foreach (var configuration in Current()?.Configurations ?? [])
        {
            if (configuration.Enabled)
            {
                yield return new(Math.Max(0, (now - configuration.SuccessClockStart).TotalSeconds),
                    new KeyValuePair<string, object?>("configuration.id", configuration.Id.ToString()));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveStates()
    {
        if (Current() is not { } snapshot)
        {
            yield break;
        }
        foreach (var state in snapshot.States)
        {
            yield return new(snapshot.Configurations.Count(c => c.State == state), new KeyValuePair<string, object?>("health.state", state));
        }
    }

    private HealthSnapshot? Current() => _health is { } h && _clock.GetUtcNow() - h.TakenAt <= HealthSnapshotLifetime ? h : null;

    public void Dispose() => _meter.Dispose();
}
