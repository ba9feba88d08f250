using System.Text.Json;
using AuditExport.Export;
using AuditExport.Ingest;
using AuditExport.Observability;
using Azure.Identity;
using Microsoft.Extensions.Logging;

namespace AuditExport.Tests.Operations;

/// <summary>The parts of observability that need no storage: log lines, reason kinds, the App Insights credential, attempts.</summary>
public sealed class ObservabilityPartsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_log_line_is_one_line_with_what_happened_and_no_stack_trace()
    {
        Exception thrown;
        try
        {
            throw new TimeoutException("the batch took too long\nsecond line");
        }
        catch (Exception e)
        {
            thrown = e;
        }

        var line = OneLineConsoleFormatter.Format(At, LogLevel.Error, "AuditExport.Export.ExportJobRunner", "Export of x failed:\r\n  details", thrown);

        Assert.Equal("2026-11-23T10:00:00.000Z fail ExportJobRunner: Export of x failed: details (TimeoutException: the batch took too long second line)", line);
        Assert.NotNull(thrown.StackTrace);
    }


    [Fact]
    public void README_lists_every_rejection_kind_the_ingest_metric_reports()
    {
        var line = File.ReadLines(Path.Combine(AuditExport.LocalHost.RepositoryLayout.Root, "README.md")).Single(l => l.Contains("| `auditexport.ingest.events` |"));
        var listed = line[(line.IndexOf("`reason` for quarantined: ", StringComparison.Ordinal) + 26)..].Split(['|', '('])[0]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(AuditExport.Ingest.RejectionKind.All.Order(), listed.Order());
    }

    [Fact]
    public void App_Insights_publishes_with_the_managed_identity_its_authentication_string_names()
    {
        Assert.Null(TelemetrySetup.AppInsightsCredential(null));
        Assert.IsType<ManagedIdentityCredential>(TelemetrySetup.AppInsightsCredential("ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD"));
        Assert.IsType<ManagedIdentityCredential>(TelemetrySetup.AppInsightsCredential("Authorization=AAD"));
        var refused = Assert.Throws<InvalidOperationException>(() => TelemetrySetup.AppInsightsCredential("ClientId=x"));
        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING must say Authorization=AAD", refused.Message);
    }

    [Fact]
    public void A_redo_keeps_the_attempt_before_it_and_a_cut_off_attempt_is_INTERRUPTED()
    {
        var job = new ExportJob(Guid.NewGuid(), "1", At, At.AddHours(2), ExportJobStatus.Running, 1, 0, 0, [], null, "timer", At, null);

        var second = job.Redo("manual", At.AddMinutes(20));
        var third = (second with { Status = ExportJobStatus.Failed, FailureReason = "SlowDown", FinishedAt = At.AddMinutes(21) }).Redo("timer", At.AddHours(2));

        Assert.Equal(3, third.Attempts);
        Assert.Equal([ExportAttemptOutcome.Interrupted, ExportAttemptOutcome.Failed], third.EarlierAttempts.Select(a => a.Outcome));
        Assert.Equal(new ExportAttempt(2, At.AddMinutes(20), At.AddMinutes(21), ExportAttemptOutcome.Failed, "SlowDown"), third.EarlierAttempts[1]);
        Assert.Null(third.EarlierAttempts[0].FinishedAt);
        Assert.Equal((ExportJobStatus.Running, "timer", At.AddHours(2), (string?)null), (third.Status, third.Trigger, third.StartedAt, third.FailureReason));

        var many = Enumerable.Range(0, 150).Aggregate(third, (j, _) => (j with { Status = ExportJobStatus.Failed }).Redo("timer", At));
        Assert.Equal(153, many.Attempts);
        Assert.Equal(ExportJob.MaxEarlierAttempts, many.EarlierAttempts.Count);
        Assert.Equal(152, many.EarlierAttempts[^1].Number);
    }
}
