using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// The handler's OpenTelemetry output, through OpenTelemetry's in-memory exporters added next to the
/// handler's own setup: what an exporter to Application Insights or OTLP would receive.
/// </summary>
public sealed class TelemetryCapture
{
    private readonly Store<MetricSnapshot> _metrics = new();
    private readonly Store<Activity> _spans = new();
    private readonly ConcurrentQueue<(string? Message, ActivityTraceId TraceId, ActivitySpanId SpanId, IReadOnlyDictionary<string, string?> Scopes)> _logs = new();
    private IServiceProvider? _services;

    public void AddTo(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics));
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans));
        services.ConfigureOpenTelemetryLoggerProvider(l => l.AddProcessor(new LogCopier(_logs)));
    }

    public void Attach(IServiceProvider services) => _services = services;

    public IReadOnlyList<Activity> Spans => _spans.ToList();

    /// <summary>A span is exported when it ends, which for an invocation's server span can be just after its answer arrived.</summary>
    public async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        for (var wait = 0; wait < 100; wait++)
        {
            if (_spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException("No such span was exported within 5 s.");
    }

    /// <summary>Log records as an exporter receives them: message, trace and span ids, and the fields of their scopes.</summary>
    public IReadOnlyList<(string? Message, ActivityTraceId TraceId, ActivitySpanId SpanId, IReadOnlyDictionary<string, string?> Scopes)> Logs => _logs.ToList();

    /// <summary>Log records are pooled and reused once exported: this keeps what the tests read, as each record ends.</summary>
    private sealed class LogCopier(ConcurrentQueue<(string?, ActivityTraceId, ActivitySpanId, IReadOnlyDictionary<string, string?>)> logs) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var scopes = new Dictionary<string, string?>(StringComparer.Ordinal);
            data.ForEachScope(static (scope, fields) =>
            {
                foreach (var (key, value) in scope)
                {
                    fields[key] = value?.ToString();
                }
            }, scopes);
            logs.Enqueue((data.FormattedMessage ?? data.Body, data.TraceId, data.SpanId, scopes));
        }
    }

    /// <summary>Collects now, then sums the named metric's points whose tags include the given ones (counters are cumulative).</summary>
    public double Value(string metric, params (string Key, string Value)[] tags) =>
        Collect(metric).Where(p => Matches(p.Point, tags)).Sum(p => PointValue(p.Type, p.Point));

    /// <summary>Collects now and answers the named metric's points, as (tags, value, count for histograms).</summary>
    public IReadOnlyList<(Dictionary<string, string> Tags, double Value, long Count)> Points(string metric) =>
        Collect(metric).Select(p => (Tags(p.Point), PointValue(p.Type, p.Point), p.Type == MetricType.Histogram ? p.Point.GetHistogramCount() : 0L)).ToList();

    /// <summary>
    /// Every point of the named metric in one collection, from every stream of that name: another meter named
    /// AuditExport in the test process (a handler or an instrument listing started by a test in another
    /// collection) can add streams of the same name, and reading only the last one could miss this handler's.
    /// </summary>
    private List<(MetricType Type, MetricPoint Point)> Collect(string metric)
    {
        var provider = _services!.GetRequiredService<MeterProvider>();
        _metrics.Clear();
        provider.ForceFlush();
        return _metrics.ToList().Where(m => m.Name == metric).SelectMany(m => m.MetricPoints.Select(p => (m.MetricType, p))).ToList();
    }

    private static bool Matches(MetricPoint point, (string Key, string Value)[] tags)
    {
        var actual = Tags(point);
        return tags.All(t => actual.TryGetValue(t.Key, out var v) && v == t.Value);
    }

    private static Dictionary<string, string> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, string>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value?.ToString() ?? "";
        }
        return tags;
    }

    private static double PointValue(MetricType type, MetricPoint point) => type switch
    {
        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
        MetricType.LongGauge => point.GetGaugeLastValueLong(),
        MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
        MetricType.Histogram => point.GetHistogramSum(),
        _ => throw new NotSupportedException(type.ToString()),
    };

    /// <summary>Exporters write from the threads that end spans; tests read meanwhile.</summary>
    private sealed class Store<T> : ICollection<T>
    {
        private readonly ConcurrentQueue<T> _items = new();
        public int Count => _items.Count;
        public bool IsReadOnly => false;
        public void Add(T item) => _items.Enqueue(item);
        public void Clear() => _items.Clear();
        public bool Contains(T item) => _items.Contains(item);
        public void CopyTo(T[] array, int arrayIndex) => _items.ToArray().CopyTo(array, arrayIndex);
        public bool Remove(T item) => throw new NotSupportedException();
        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items.ToArray()).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
