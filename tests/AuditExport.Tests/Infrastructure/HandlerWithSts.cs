using AuditExport.Destinations;

namespace AuditExport.Tests.Infrastructure;

/// <summary>A handler on its own tables whose sts:AssumeRole calls go to a loopback STS, for the configuration API tests.</summary>
public sealed class HandlerWithSts : IAsyncDisposable
{
    private HandlerWithSts(FakeStsServer sts, TestHandler handler, Dictionary<string, string> settings) => (Sts, Handler, Settings) = (sts, handler, settings);

    public FakeStsServer Sts { get; }
    public TestHandler Handler { get; }
    public Dictionary<string, string> Settings { get; }

    public static async Task<HandlerWithSts> StartAsync(EmulatorsFixture emulators, TimeProvider? clock = null)
    {
        var sts = await FakeStsServer.StartAsync();
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings[S3ClientFactory.StsEndpointSetting] = sts.Endpoint.AbsoluteUri;
        return new HandlerWithSts(sts, await TestHandler.StartAsync(settings, clock), settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Handler.DisposeAsync();
        await Sts.DisposeAsync();
    }
}
