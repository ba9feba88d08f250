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

    /// <summary>
    /// `kill &lt;pid&gt;` stops --serve as Ctrl-C does: the run's own emulators, handler and front door stop with it. The
    /// script execs the run, so its pid is the run's (checked on the script's last line).
    /// </summary>
    [Fact]
    public async Task Serve_stops_everything_it_started_on_SIGTERM_and_the_script_hands_its_pid_to_it()
    {
        var script = File.ReadAllLines(Path.Combine(RepositoryLayout.Root, "scripts", "run-local.sh"));
        Assert.StartsWith("exec dotnet tools/AuditExport.LocalHost/bin/Release/net10.0/AuditExport.LocalHost.dll ", script.Last(l => l.Trim().Length > 0));

        var info = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(LocalRun).Assembly.Location, "--serve"])
        {
            WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var handlerUrl = new TaskCompletionSource<Uri>();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) { output.AppendLine(e.Data); }
            if (e.Data?.Contains("/IngestAuditEvents -d", StringComparison.Ordinal) == true)
            {
                var url = e.Data.Split(' ').First(w => w.EndsWith("/IngestAuditEvents", StringComparison.Ordinal));
                handlerUrl.TrySetResult(new Uri(url[..^"IngestAuditEvents".Length]));
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var handler = await handlerUrl.Task.WaitAsync(TimeSpan.FromMinutes(2));
            using var http = new HttpClient();
            Assert.True((await http.GetAsync(new Uri(handler, "/api/health"))).IsSuccessStatusCode, "the handler was not serving");

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString()])) { await kill.WaitForExitAsync(); }

            Assert.True(process.WaitForExit(30_000), "--serve kept running after SIGTERM:\n" + output);
            Assert.Equal(0, process.ExitCode);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(handler, "/api/health"))); // the handler stopped with it
            lock (output) { Assert.Contains("Stopping ...", output.ToString()); }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
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

/// <summary>The commands --serve prints work as printed: each body is sent as its curl line sends it.</summary>
[Collection(AuditExport.Tests.Infrastructure.EmulatorsCollection.Api)]
public sealed class ServeInstructionsTests(AuditExport.Tests.Infrastructure.EmulatorsFixture emulators)
{
    private static string Body(string line) => line[(line.IndexOf("-d '", StringComparison.Ordinal) + 4)..^1];

    [Fact]
    public async Task The_printed_create_send_and_timer_commands_work_against_the_emulators()
    {
        var settings = AuditExport.Tests.Infrastructure.TestHandler.IsolatedSettings(emulators, out var events, out _);
        settings["ExportSafetyLagSeconds"] = "1";
        await using var handler = await AuditExport.Tests.Infrastructure.TestHandler.StartAsync(settings);
        using var http = handler.Http();
        var container = AuditExport.Tests.Infrastructure.EmulatorsFixture.UniqueName("mine-");
        await emulators.CreateContainerAsync(container);
        var own = new AuditExport.LocalHost.ServeInstructions.Destinations(emulators.S3Endpoint, await AuditExport.LocalHost.S3Buckets.CreateAsync(emulators.S3Endpoint),
            emulators.BlobService().Uri, container, AuditExport.LocalHost.AzuriteSas.ForContainer(container, "cw", DateTimeOffset.UtcNow.AddDays(1)));

        var lines = AuditExport.LocalHost.ServeInstructions.Lines("http://front-door/api", "key", "token", handler.BaseAddress, own).ToList();

        foreach (var (route, line) in new[] { ("s3-access-key", lines.Single(l => l.Contains("/s3-access-key", StringComparison.Ordinal))),
                     ("adls-sas-token", lines.Single(l => l.Contains("/adls-sas-token", StringComparison.Ordinal))) })
        {
            using var created = await http.PostAsync($"/api/export-configurations/{route}", new StringContent(Body(line), System.Text.Encoding.UTF8, "application/json"));
            var answer = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created && answer.Contains("\"connectionStatus\":\"SUCCESS\"", StringComparison.Ordinal), answer);
        }
        var ingest = await handler.Host.InvokeAsync("IngestAuditEvents", System.Text.Encoding.UTF8.GetBytes(Body(lines.Single(l => l.Contains("/IngestAuditEvents", StringComparison.Ordinal)))));
        Assert.Equal((200, 1), (ingest.Status, ingest.ReturnValue.GetProperty("accepted").GetInt32()));
        var timer = await handler.Host.InvokeAsync("ExportEvery2Hours", System.Text.Encoding.UTF8.GetBytes(Body(lines.Single(l => l.Contains("/ExportEvery2Hours", StringComparison.Ordinal)))));
        Assert.Equal(200, timer.Status);
        Assert.Contains(lines, l => l.StartsWith("  export AUDIT_EXPORT_URL=http://front-door AUDIT_EXPORT_KEY=key AUDIT_EXPORT_TOKEN=token", StringComparison.Ordinal));
    }
}
