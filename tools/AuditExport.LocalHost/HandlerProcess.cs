using System.Diagnostics;
using System.Text;
using AuditExport.Api.Security;

namespace AuditExport.LocalHost;

/// <summary>
/// Runs the built handler as its own process, as the Functions host does: FUNCTIONS_CUSTOMHANDLER_PORT set,
/// app settings as environment variables.
/// </summary>
public sealed class HandlerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HandlerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The process's peak resident memory so far (VmHWM), in bytes; Linux only.</summary>
    public long PeakWorkingSetBytes
    {
        get
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
    }
    /// <summary>CPU time the handler has used so far, user and system.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// A client for the handler's API routes as the platform calls them after authenticating the caller:
    /// with the forwarded principal of <see cref="FrontDoor.LocalAdmin"/> (for benchmarks, which measure the handler alone).
    /// </summary>
    public HttpClient CreateApiClient(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout };
        client.DefaultRequestHeaders.Add(AuditExport.Api.Security.Caller.PrincipalHeader, FrontDoor.LocalAdmin.ToPrincipalHeader());
        return client;
    }
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public static string HandlerAssemblyPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var path = Path.Combine(RepositoryLayout.Root, "functions", "AuditExport", "bin", configuration, "net10.0", "AuditExport.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The handler is not built at {path}; run 'dotnet build -c {configuration}' first.");
    }

    /// <param name="assemblyPath">Another build of the handler (a benchmark's "before"); this repository's build when null.</param>
    public static async Task<HandlerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, bool echoOutput = false, string? assemblyPath = null)
    {
        var port = Emulators.FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath ?? HandlerAssemblyPath());
        info.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString();
        foreach (var (name, value) in settings)
        {
            info.Environment[name.Replace(":", "__")] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the handler.");
        var handler = new HandlerProcess(process, port);
        void Capture(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (handler._output)
            {
                handler._output.AppendLine(line);
            }
            if (echoOutput)
            {
                Console.WriteLine("  [handler] " + line);
            }
        }
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new FunctionsHostClient(handler.BaseAddress);
        await client.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), () => handler.Output);
        return handler;
    }

    /// <summary>Kills the process at once, as a crash or a scale-in would: no shutdown, no cleanup.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
