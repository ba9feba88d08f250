using AuditExport.Configurations;
using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// The real handler (same composition as Program), listening on a loopback port of its own and called over real
/// HTTP the way the Functions host calls it: invocations straight to the handler, API calls through the
/// <see cref="FrontDoor"/>, which serves only what function.json declares. Settings and seams (clock, storage
/// faults) are per test.
/// </summary>
public sealed class TestHandler : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHandler(WebApplication app, int port)
    {
        _app = app;
        Host = new FunctionsHostClient(new Uri($"http://127.0.0.1:{port}"));
    }

    public FunctionsHostClient Host { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<TestHandler> StartAsync(IDictionary<string, string> settings, TimeProvider? clock = null, FaultInjectionPolicy? faults = null,
        Azure.Core.Pipeline.HttpPipelinePolicy? perCall = null, KeyVaultAccess? keyVault = null)
    {
        // Port 0: Kestrel binds a free port and says which (no probe-then-bind race between tests running in parallel).
        var args = Arguments(settings.Append(new(HandlerApp.PortVariable, "0")));
        var logs = new RecordingLoggerProvider();
        var telemetry = new TelemetryCapture();
        var app = HandlerApp.Build(args, builder =>
        {
            // Lines are kept for the tests to read, not written to the test output (failures there are expected ones).
            foreach (var console in builder.Services.Where(d => d.ImplementationType == typeof(Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider)).ToList())
            {
                builder.Services.Remove(console);
            }
            builder.Logging.AddProvider(logs);
            telemetry.AddTo(builder.Services);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
            if (keyVault is not null)
            {
                builder.Services.AddSingleton(keyVault);
            }
            var options = new StorageClientOptions();
            options.RetryDelay = TimeSpan.FromMilliseconds(20); // keep retried failures quick in tests
            if (faults is not null)
            {
                options.AdditionalPolicies.Add(faults);
            }
            if (perCall is not null)
            {
                options.PerCallPolicies.Add(perCall);
            }
            builder.Services.AddSingleton(options);
        });
        await app.StartAsync();
        telemetry.Attach(app.Services);
        var port = LoopbackServer.BoundPort(app);
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        return new TestHandler(app, port) { BaseAddress = baseAddress, Logs = logs.Lines, Telemetry = telemetry, FrontDoor = await FrontDoor.StartAsync(baseAddress) };
    }

    /// <summary>Settings as the command-line arguments the handler reads them from.</summary>
    public static string[] Arguments(IEnumerable<KeyValuePair<string, string>> settings) => settings.Select(s => $"--{s.Key}={s.Value}").ToArray();

    /// <summary>Settings for a handler whose tables and container are this test's own.</summary>
    public static Dictionary<string, string> IsolatedSettings(EmulatorsFixture azurite, out string eventsTable, out string quarantineTable) =>
        IsolatedSettings(azurite.ConnectionString, out eventsTable, out quarantineTable);

    public static Dictionary<string, string> IsolatedSettings(string connectionString, out string eventsTable, out string quarantineTable)
    {
        eventsTable = EmulatorsFixture.UniqueName("events");
        quarantineTable = EmulatorsFixture.UniqueName("quarantine");
        return new Dictionary<string, string>
        {
            ["AuditStorage"] = connectionString,
            ["ExportConfigurationsTable"] = EmulatorsFixture.UniqueName("configurations"),
            ["SecretProtectionKeys"] = TestKeys.Current,
            ["DigestSigningKeys"] = TestKeys.Signing,
            ["AllowCustomEndpoints"] = "true",
            ["AuditEventsTable"] = eventsTable,
            ["QuarantineTable"] = quarantineTable,
            ["QuarantineContainer"] = EmulatorsFixture.UniqueName("quarantine-"),
        };
    }

    /// <summary>An API client through the front door, with the function key.</summary>
    public HttpClient Http() => FrontDoor.CreateClient();

    /// <summary>The handler itself (as the host reaches it), for invocations and for tests of the handler alone.</summary>
    public Uri BaseAddress { get; private init; } = null!;

    public FrontDoor FrontDoor { get; private init; } = null!;

    /// <summary>The metrics and spans the handler's OpenTelemetry exporters receive.</summary>
    public TelemetryCapture Telemetry { get; private init; } = null!;

    /// <summary>Every line the handler logged, at every level.</summary>
    public IReadOnlyCollection<string> Logs { get; private init; } = [];

    public async ValueTask DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        Host.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
