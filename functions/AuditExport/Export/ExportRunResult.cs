namespace AuditExport.Export;

public enum ExportRunOutcome
{
    /// <summary>A job ran (its own status says whether it succeeded).</summary>
    Ran,
    /// <summary>Another runner holds the configuration's lease.</summary>
    Busy,
    /// <summary>The window is empty: the watermark is already at now minus the safety lag.</summary>
    UpToDate,
    /// <summary>The invocation's time budget was spent before this configuration's turn came; the next run takes it.</summary>
    Deferred,
}

/// <summary>What one run of a configuration did: <see cref="Job"/> is the last job it ran, of <see cref="Jobs"/>.</summary>
public sealed record ExportRunResult(Guid ConfigurationId, ExportRunOutcome Outcome, ExportJob? Job, string? Message = null)
{
    public int Jobs { get; init; }

    /// <summary>Records of the jobs that succeeded in this run.</summary>
    public long Records { get; init; }

    /// <summary>The run stopped for its time budget with data left before now minus the safety lag.</summary>
    public bool MoreToExport { get; init; }
}
