using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace AuditExport.LocalHost;

/// <summary>A small Kestrel app on a free loopback port, for stand-ins of services that cannot run here.</summary>
public static class LoopbackServer
{
    public static async Task<(WebApplication App, Uri Endpoint)> StartAsync(Action<WebApplication> map)
    {
        var port = Emulators.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, new Uri($"http://127.0.0.1:{port}/"));
    }
}
