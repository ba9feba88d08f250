using System.Diagnostics;
using AuditExport.Cli;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>The CLI as users get it: packed as a .NET tool, installed with dotnet tool install, run as audit-export.</summary>
[Collection(EmulatorsCollection.ProcessWide)] // packs the CLI from the working tree
public sealed class CliToolPackageTests(EmulatorsFixture emulators)
{
    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_that_installs_and_lists_configurations_through_the_host()
    {
        var folder = Directory.CreateTempSubdirectory("cli-tool-").FullName;
        try
        {
            // The test project builds the CLI in its own configuration; pack exactly that build.
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var project = Path.Combine(RepositoryLayout.Root, "tools", "AuditExport.Cli", "AuditExport.Cli.csproj");
            await RunAsync("dotnet", ["pack", project, "-c", configuration, "--no-build", "-o", Path.Combine(folder, "packages")]);
            await RunAsync("dotnet", ["tool", "install", "AuditExport.Cli", "--version", "1.0.0", "--tool-path", Path.Combine(folder, "tools"),
                "--add-source", Path.Combine(folder, "packages")],
                new() { ["NUGET_PACKAGES"] = Path.Combine(folder, "nuget") }); // a package cache of its own: never an older 1.0.0 left by an earlier run

            await using var handler = await TestHandler.StartAsync(TestHandler.IsolatedSettings(emulators, out _, out _));
            var (exit, output, error) = await RunAsync(Path.Combine(folder, "tools", "audit-export"), ["exportConfig", "list"], new()
            {
                [ApiConnection.UrlVariable] = handler.FrontDoor.BaseAddress.AbsoluteUri,
                [ApiConnection.KeyVariable] = handler.FrontDoor.FunctionKey,
                [ApiConnection.TokenVariable] = handler.FrontDoor.IssueToken(FrontDoor.LocalAdmin),
            }, check: false);

            Assert.True(exit == ExitCodes.Ok, error);
            Assert.Equal("No export configurations.", output.Trim());
            var (_, version, _) = await RunAsync(Path.Combine(folder, "tools", "audit-export"), ["--version"]);
            Assert.StartsWith("1.0.0", version.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string command, string[] args, Dictionary<string, string>? environment = null, bool check = true)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var result = (process.ExitCode, await output, await error);
        Assert.True(!check || result.ExitCode == 0, $"{command} {string.Join(' ', args)} exited {result.ExitCode}: {result.Item2} {result.Item3}");
        return result;
    }
}
