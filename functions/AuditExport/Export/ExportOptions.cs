using Microsoft.Extensions.Configuration;

namespace AuditExport.Export;

/// <summary>Export settings (app settings of the same names; defaults work locally and in Azure).</summary>
public sealed class ExportOptions
{
    public string ExportJobsTable { get; set; } = "ExportJobs";
    public string ExportStateTable { get; set; } = "ExportState";

    /// <summary>
    /// A window ends this long before now, so that every ingest transaction with an earlier ingestion time
    /// has landed. Ingest gives up on a batch (and lets the host retry it with a new time) once
    /// <see cref="Ingest.IngestService.MaxWriteDelay"/> has passed, so the lag must exceed that plus one
    /// transaction's own retries.
    /// </summary>
    public TimeSpan SafetyLag { get; set; } = TimeSpan.FromMinutes(10);

    public int Parallelism { get; set; } = 4;
    public long MaxRecordsPerFile { get; set; } = 1_000_000;
    public long MaxBytesPerFile { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// A job covers at most this many records (except when one second of ingestion alone holds more: a job
    /// covers at least one second, because object names carry the window end to the second). A backlog is
    /// exported as a sequence of such jobs, each committed with its own watermark advance.
    /// </summary>
    public long MaxRecordsPerJob { get; set; } = 10_000_000;

    /// <summary>
    /// How long one invocation keeps starting jobs: a job starts only while the time used plus the longest job so
    /// far fits. By default three quarters of the host's functionTimeout (45 minutes when it is unbounded).
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(7.5);

    /// <summary>
    /// Export-now answers over HTTP, and Azure's front end drops an HTTP request after 230 seconds whatever the
    /// functionTimeout, so an export-now starts no new job after this.
    /// </summary>
    public static readonly TimeSpan HttpTimeBudget = TimeSpan.FromSeconds(150);

    /// <summary>The time budget of an export-now: <see cref="TimeBudget"/>, at most <see cref="HttpTimeBudget"/>.</summary>
    public TimeSpan ExportNowBudget => TimeBudget < HttpTimeBudget ? TimeBudget : HttpTimeBudget;

    /// <summary>A job holds its configuration's lease this long, renewed while it works.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts per upload on transient failures (capped exponential backoff with jitter between).</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Whether each job writes its signed digest (README, "For auditors"). On by default; off only for destinations whose
    /// readers cannot skip the digests/ folder, at the cost of what the digests prove. DigestSigningKeys is needed only when on.
    /// </summary>
    public bool Digests { get; set; } = true;

    public static void Read(IConfiguration configuration, ExportOptions options)
    {
        options.ExportJobsTable = configuration["ExportJobsTable"] ?? options.ExportJobsTable;
        options.ExportStateTable = configuration["ExportStateTable"] ?? options.ExportStateTable;
        options.SafetyLag = TimeSpan.FromSeconds(configuration.GetValue("ExportSafetyLagSeconds", (int)options.SafetyLag.TotalSeconds));
        options.Parallelism = configuration.GetValue("ExportParallelism", options.Parallelism);
        options.MaxRecordsPerFile = configuration.GetValue("ExportMaxRecordsPerFile", options.MaxRecordsPerFile);
        options.MaxBytesPerFile = configuration.GetValue("ExportMaxBytesPerFile", options.MaxBytesPerFile);
        options.Lease = TimeSpan.FromSeconds(configuration.GetValue("ExportLeaseSeconds", (int)options.Lease.TotalSeconds));
        options.MaxAttempts = configuration.GetValue("ExportMaxAttempts", options.MaxAttempts);
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(configuration.GetValue("ExportRetryBaseDelayMilliseconds", (int)options.RetryBaseDelay.TotalMilliseconds));
        options.Retention = TimeSpan.FromDays(configuration.GetValue("RetentionDays", (int)options.Retention.TotalDays));
        options.MaxRecordsPerJob = configuration.GetValue("ExportMaxRecordsPerJob", options.MaxRecordsPerJob);
        options.TimeBudget = TimeBudgetFrom(configuration);
        options.Digests = configuration.GetValue("ExportDigests", options.Digests);
    }

    public static IEnumerable<string> Problems(ExportOptions options)
    {
        (bool Holds, string Message)[] rules =
        [
            (options.SafetyLag >= TimeSpan.Zero, "ExportSafetyLagSeconds must not be negative"),
            (options.Parallelism is >= 1 and <= 64, "ExportParallelism must be 1 to 64"),
            (options.MaxRecordsPerFile >= 1, "ExportMaxRecordsPerFile must be at least 1"),
            (options.MaxBytesPerFile >= 1024 * 1024, "ExportMaxBytesPerFile must be at least 1 MiB"),
            (options.Lease >= TimeSpan.FromSeconds(5), "ExportLeaseSeconds must be at least 5"),
            (options.MaxAttempts is >= 1 and <= 20, "ExportMaxAttempts must be 1 to 20"),
            (options.Retention >= TimeSpan.FromDays(1), "RetentionDays must be at least 1"),
            (options.MaxRecordsPerJob >= 1, "ExportMaxRecordsPerJob must be at least 1"),
            (options.TimeBudget > TimeSpan.Zero, "ExportTimeBudgetSeconds must be at least 1"),
        ];
        return rules.Where(r => !r.Holds).Select(r => r.Message + ".");
    }

    /// <summary>ExportTimeBudgetSeconds when set, else three quarters of the host's functionTimeout.</summary>
    private static TimeSpan TimeBudgetFrom(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration["ExportTimeBudgetSeconds"]))
        {
            return TimeSpan.FromSeconds(configuration.GetValue<int>("ExportTimeBudgetSeconds"));
        }
        var timeout = FunctionTimeout.Resolve(configuration, FunctionTimeout.SearchFolders(configuration)) ?? TimeSpan.FromHours(1);
        return timeout * 0.75;
    }
}
