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
}
