using System.Diagnostics;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// The README's commands that can run here, run as the README writes them: the main job (the first block's first line)
/// and the command line's install. The ready commands --serve prints are sent by ServeInstructionsTests; the Azure
/// ones (az, curl against a deployed app) need a subscription.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)] // builds the working tree (already built: nothing is written) and runs its own emulators
public sealed partial class ReadmeCommandsTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));

    /// <summary>The bash blocks, in order, each as its command lines (comments and blank lines dropped).</summary>
    private static List<List<string>> BashBlocks() => BashBlock().Matches(Readme)
        .Select(m => m.Groups[1].Value.Split('\n').Select(l => Regex.Replace(l, @"\s+#.*$", "").Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList())
        .ToList();

    [Fact]
    public async Task The_first_command_runs_the_main_job_end_to_end_as_written()
    {
        var command = BashBlocks()[0][0];
        Assert.Equal("scripts/run-local.sh", command);

        var (exit, output) = await RunAsync(command, RepositoryLayout.Root, TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, output);
        Assert.Contains("OK: 16 stored events exported to S3 and to ADLS, each exactly once and byte for byte as ingested.", output);
    }

    [Fact]
    public async Task The_command_line_installs_as_written_into_a_folder_of_its_own()
    {
        var block = BashBlocks().Single(b => b.Any(l => l.StartsWith("dotnet tool install", StringComparison.Ordinal)));
        var install = block.TakeWhile(l => l.StartsWith("dotnet ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, install.Count);
        var folder = Directory.CreateTempSubdirectory("readme-cli-");
        try
        {
            foreach (var line in install)
            {
                // As written, but into this test's folders: no global install. The install gets a package cache of its own (never
                // an older 1.0.0 left by an earlier run); the pack keeps the usual one, or it would restore the working tree's
                // project against a cache this test deletes.
                var command = line.Replace("./packages", Path.Combine(folder.FullName, "packages"), StringComparison.Ordinal)
                    .Replace(" -g ", $" --tool-path {Path.Combine(folder.FullName, "tools")} ", StringComparison.Ordinal);
                (string, string)[] environment = line.StartsWith("dotnet tool install", StringComparison.Ordinal) ? [("NUGET_PACKAGES", Path.Combine(folder.FullName, "nuget"))] : [];
                var (exit, output) = await RunAsync(command, RepositoryLayout.Root, TimeSpan.FromMinutes(3), environment);
                Assert.True(exit == 0, $"{command}\n{output}");
            }
            var (helpExit, help) = await RunAsync($"{Path.Combine(folder.FullName, "tools", "audit-export")} --help", folder.FullName, TimeSpan.FromMinutes(1));
            Assert.True(helpExit == 0, help);
            Assert.Contains("exportConfig", help);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string command, string workingDirectory, TimeSpan limit, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command}' ran longer than {limit}: {await output}{await errors}");
        }
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"(?ms)^```bash\n(.*?)^```")]
    private static partial Regex BashBlock();
}
