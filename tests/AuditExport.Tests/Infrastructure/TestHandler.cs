using AuditExport.Hosting;
using AuditExport.LocalHost;
using AuditExport.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// The real handler (same composition as Program), listening on a free loopback port and called over real
/// HTTP the way the Functions host calls it. Settings and seams (clock, storage faults) are per test.
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

    public static async Task<TestHandler> StartAsync(IDictionary<string, string> settings, TimeProvider? clock = null, FaultInjectionPolicy? faults = null)
    {
        var port = Emulators.FreePort();
        var args = settings.Append(new(HandlerApp.PortVariable, port.ToString()))
            .Select(s => $"--{s.Key}={s.Value}").ToArray();
        var app = HandlerApp.Build(args, builder =>
        {
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
            var options = new StorageClientOptions();
            options.Retry.Delay = TimeSpan.FromMilliseconds(20); // keep retried failures quick in tests
            if (faults is not null)
            {
                options.AdditionalPolicies.Add(faults);
            }
            builder.Services.AddSingleton(options);
        });
        await app.StartAsync();
        return new TestHandler(app, port);
    }

    /// <summary>Settings for a handler whose tables and container are this test's own.</summary>
    public static Dictionary<string, string> IsolatedSettings(AzuriteFixture azurite, out string eventsTable, out string quarantineTable) =>
        IsolatedSettings(azurite.ConnectionString, out eventsTable, out quarantineTable);

    public static Dictionary<string, string> IsolatedSettings(string connectionString, out string eventsTable, out string quarantineTable)
    {
        eventsTable = AzuriteFixture.UniqueName("events");
        quarantineTable = AzuriteFixture.UniqueName("quarantine");
        return new Dictionary<string, string>
        {
            ["AuditStorage"] = connectionString,
            ["AuditEventsTable"] = eventsTable,
            ["QuarantineTable"] = quarantineTable,
            ["QuarantineContainer"] = AzuriteFixture.UniqueName("quarantine-"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
