using System.Diagnostics;
using System.IO.Compression;

namespace AuditExport.LocalHost;

/// <summary>
/// Builds the deployable zip: host.json at the root, one folder per function with its function.json, and the
/// handler published self-contained for linux-x64 at handler/AuditExport (the path host.json names), executable.
/// </summary>
public static class PackageBuilder
{
    public const string HandlerFolder = "handler";
    public const string HandlerExecutable = "handler/AuditExport";
    private const int RegularFile = 0x8000; // S_IFREG
    private const int ExecutableMode = RegularFile | 0b111_101_101; // rwxr-xr-x
    private const int FileMode = RegularFile | 0b110_100_100; // rw-r--r--

    public static async Task<string> BuildAsync(string outputZip, TextWriter log)
    {
        var root = RepositoryLayout.Root;
        var staging = Path.Combine(Path.GetTempPath(), $"auditexport-package-{Guid.NewGuid():N}");
        try
        {
            log.WriteLine($"Publishing the handler (self-contained, linux-x64) into {staging}/{HandlerFolder} ...");
            await RunAsync("dotnet", ["publish", Path.Combine(root, "functions", "AuditExport", "AuditExport.csproj"),
                "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", Path.Combine(staging, HandlerFolder), "--nologo", "-v", "quiet"]);
            File.Copy(Path.Combine(root, "host.json"), Path.Combine(staging, "host.json"));
            foreach (var functionJson in Directory.GetFiles(Path.Combine(root, "functions"), "function.json", SearchOption.AllDirectories))
            {
                var function = Path.GetFileName(Path.GetDirectoryName(functionJson)!);
                Directory.CreateDirectory(Path.Combine(staging, function));
                File.Copy(functionJson, Path.Combine(staging, function, "function.json"));
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputZip))!);
            File.Delete(outputZip);
            using (var zip = ZipFile.Open(outputZip, ZipArchiveMode.Create))
            {
                foreach (var file in Directory.GetFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var name = Path.GetRelativePath(staging, file).Replace('\\', '/');
                    var entry = zip.CreateEntryFromFile(file, name, CompressionLevel.Optimal);
                    // Unix permissions live in the high 16 bits; the handler must stay executable once unpacked.
                    entry.ExternalAttributes = (name == HandlerExecutable ? ExecutableMode : FileMode | (IsExecutable(file) ? 0b001_001_001 : 0)) << 16;
                }
            }
            log.WriteLine($"Package: {outputZip} ({new FileInfo(outputZip).Length / 1024 / 1024} MiB)");
            return outputZip;
        }
        finally
        {
            if (Directory.Exists(staging)) // absent when publishing failed: that failure is the one to report
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static bool IsExecutable(string file) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;

    private static async Task RunAsync(string command, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }
}
