using System.Diagnostics;
using System.IO.Compression;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Deployment;

/// <summary>The deployable zip has the layout the Functions host expects, and the handler runs from it.</summary>
[Collection(EmulatorsCollection.ProcessWide)] // publishes the handler from the working tree
public sealed class PackageTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task Package_holds_host_json_every_function_and_an_executable_handler_that_serves_from_the_package()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Fail("The package is for linux-x64; this test runs the handler from it, so it needs Linux.");
            return;
        }
        var work = Path.Combine(Path.GetTempPath(), $"auditexport-package-test-{Guid.NewGuid():N}");
        try
        {
            var zipPath = await PackageBuilder.BuildAsync(Path.Combine(work, "audit-export.zip"), TextWriter.Null);

            using (var zip = ZipFile.OpenRead(zipPath))
            {
                var names = zip.Entries.Select(e => e.FullName).ToHashSet();
                Assert.Contains("host.json", names);
                var functions = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "functions"), "function.json", SearchOption.AllDirectories)
                    .Select(f => $"{Path.GetFileName(Path.GetDirectoryName(f))}/function.json").ToList();
                Assert.True(functions.Count >= 16, $"only {functions.Count} functions found");
                Assert.All(functions, f => Assert.Contains(f, names));
                var handler = zip.GetEntry(PackageBuilder.HandlerExecutable);
                Assert.NotNull(handler);
                Assert.Equal(0b111_101_101, (handler.ExternalAttributes >> 16) & 0b111_111_111);
                Assert.Contains("handler/AuditExport.dll", names);
                Assert.DoesNotContain(names, n => n.EndsWith("local.settings.json", StringComparison.Ordinal));
            }

            var unpacked = Path.Combine(work, "site");
            ZipFile.ExtractToDirectory(zipPath, unpacked);
            var executable = Path.Combine(unpacked, "handler", "AuditExport");
            Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "the handler lost its executable bit when unpacked");

            var port = Emulators.FreePort();
            var info = new ProcessStartInfo(executable) { WorkingDirectory = Path.Combine(unpacked, "handler"), RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString();
            foreach (var (name, value) in TestHandler.IsolatedSettings(emulators, out _, out _))
            {
                info.Environment[name] = value;
            }
            using var process = Process.Start(info)!;
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var host = new FunctionsHostClient(new Uri($"http://127.0.0.1:{port}"));
                await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30), () => output.ToString());
                var result = await host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(Samples.FixtureEvents, "0", 0, DateTimeOffset.UtcNow));
                Assert.Equal(200, result.Status);
                Assert.Equal(16, result.ReturnValue.GetProperty("accepted").GetInt32());
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            // Bad settings stop the start: exit 1, every problem in one line of standard error.
            info.Environment["ExportParallelism"] = "0";
            info.Environment["IngestShardCount"] = "100";
            using var refused = Process.Start(info)!;
            var refusal = refused.StandardError.ReadToEndAsync();
            var standardOutput = refused.StandardOutput.ReadToEndAsync();
            Assert.True(refused.WaitForExit(30_000), "the handler kept running with bad settings");
            Assert.Equal(1, refused.ExitCode);
            var line = Assert.Single((await refusal).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("The audit export handler cannot start: ", line);
            Assert.Contains("IngestShardCount must be 1 to 99; it is 100.", line);
            Assert.Contains("ExportParallelism must be 1 to 64.", line);
            Assert.Equal("", await standardOutput);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
