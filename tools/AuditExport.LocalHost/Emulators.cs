using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AuditExport.Storage;

namespace AuditExport.LocalHost;

/// <summary>
/// Starts the pinned npm emulators (emulators/package.json) on free loopback ports: Azurite for Table and
/// Blob (in memory), and s3rver for S3. Throws with the emulator's own output when one cannot start.
/// </summary>
public sealed class Emulators : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<string> _tempFolders = [];

    public int BlobPort { get; private set; }
    public int TablePort { get; private set; }
    public int S3Port { get; private set; }

    public string StorageConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{StorageConnection.DevelopmentAccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{StorageConnection.DevelopmentAccountName};";

    public Uri S3Endpoint => new($"http://127.0.0.1:{S3Port}");

    /// <summary>CPU time all emulator processes have used so far, user and system.</summary>
    public TimeSpan CpuTime => _processes.Aggregate(TimeSpan.Zero, (sum, process) =>
    {
        process.Refresh();
        return sum + process.TotalProcessorTime;
    });

    public static async Task<Emulators> StartAsync(bool azurite = true, bool s3 = true)
    {
        var emulators = new Emulators();
        try
        {
            if (azurite)
            {
                await emulators.StartAzuriteAsync();
            }
            if (s3)
            {
                await emulators.StartS3Async();
            }
            return emulators;
        }
        catch
        {
            await emulators.DisposeAsync();
            throw;
        }
    }

    private async Task StartAzuriteAsync()
    {
        var ports = FreePorts(3);
        (BlobPort, TablePort) = (ports[0], ports[1]);
        var queuePort = ports[2];
        var workspace = TempFolder("azurite");
        var output = Start("azurite", workspace,
            "--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString());
        await WaitForPortsAsync("Azurite", output, BlobPort, TablePort);
    }

    private async Task StartS3Async()
    {
        S3Port = FreePort();
        var directory = TempFolder("s3rver");
        var output = Start("s3rver", directory, "--directory", directory, "--address", "127.0.0.1", "--port", S3Port.ToString(), "--silent");
        await WaitForPortsAsync("s3rver", output, S3Port);
    }

    private StringBuilder Start(string tool, string workingDirectory, params string[] arguments)
    {
        var executable = Path.Combine(RepositoryLayout.EmulatorsFolder, "node_modules", ".bin", tool);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"{tool} is not installed at {executable}. Run scripts/install-emulators.sh (npm ci in emulators/) first.");
        }
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var output = new StringBuilder();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {tool}.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return output;
    }

    private async Task WaitForPortsAsync(string name, StringBuilder output, params int[] ports)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var port in ports)
        {
            while (true)
            {
                if (_processes[^1].HasExited)
                {
                    throw new InvalidOperationException($"{name} exited with code {_processes[^1].ExitCode} before listening:\n{output}");
                }
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(100);
                }
                catch (SocketException)
                {
                    throw new InvalidOperationException($"{name} did not listen on port {port} within 60 s:\n{output}");
                }
            }
        }
    }

    public static int FreePort() => FreePorts(1)[0];

    /// <summary>Distinct free ports: every listener stays open until all are chosen, so none is handed out twice.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    private string TempFolder(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"auditexport-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        _tempFolders.Add(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        foreach (var folder in _tempFolders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
