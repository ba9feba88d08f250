using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditExport.LocalHost;

/// <summary>A small Kestrel app on a loopback port of its own, for stand-ins of services that cannot run here.</summary>
public static class LoopbackServer
{
    public static async Task<(WebApplication App, Uri Endpoint)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0)); // a free port, read back below
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, new Uri($"http://127.0.0.1:{BoundPort(app)}/"));
    }

    /// <summary>The port Kestrel bound (asked for port 0).</summary>
    public static int BoundPort(WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).Single();
}
