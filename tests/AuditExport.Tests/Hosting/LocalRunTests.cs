using AuditExport.LocalHost;

namespace AuditExport.Tests.Hosting;

/// <summary>README's first command runs LocalRun: it must keep working end to end (own emulators, handler process).</summary>
public sealed class LocalRunTests
{
    [Fact]
    public async Task The_main_job_ingests_the_samples_and_exports_every_stored_event_to_S3_and_ADLS()
    {
        var output = new StringWriter();
        var original = Console.Out;
        int exitCode;
        try
        {
            Console.SetOut(output);
            exitCode = await LocalRun.RunAsync([Path.Combine(RepositoryLayout.SamplesFolder, "uam-and-legacy.jsonl"), Path.Combine(RepositoryLayout.SamplesFolder, "malformed.jsonl")]);
        }
        finally
        {
            Console.SetOut(original);
        }
        var text = output.ToString();
        Assert.True(exitCode == 0, text);
        Assert.Contains("OK: 16 stored events exported to S3 and to ADLS, each exactly once and byte for byte as ingested.", text);
        Assert.Contains("Quarantined: 3", text);
        Assert.Contains("0 accepted, 16 duplicates", text);
    }

    private static (int Exit, string Output) RunScript(string workingDirectory, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(AuditExport.LocalHost.RepositoryLayout.Root, "scripts", "run-local.sh"), .. args])
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [Fact]
    public void The_script_answers_help_and_names_files_from_where_it_was_called_before_building_anything()
    {
        var elsewhere = Directory.CreateTempSubdirectory("run-local-").FullName;
        try
        {
            var help = RunScript(elsewhere, "--help");
            Assert.Equal(0, help.Exit);
            Assert.StartsWith("Usage: scripts/run-local.sh [--serve] [FILE.jsonl ...]", help.Output);

            // A relative file is read from the caller's folder (it used to be read from the tool's and crash after the build).
            var missing = RunScript(elsewhere, "my-events.jsonl");
            Assert.Equal(2, missing.Exit);
            Assert.Equal($"No such file: {elsewhere}/my-events.jsonl", missing.Output.Trim());

            var unknown = RunScript(elsewhere, "--verbose");
            Assert.Equal(2, unknown.Exit);
            Assert.StartsWith("Unknown option --verbose", unknown.Output);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}
