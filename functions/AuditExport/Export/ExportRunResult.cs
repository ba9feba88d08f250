namespace AuditExport.Export;

public enum ExportRunOutcome
{
    /// <summary>A job ran (its own status says whether it succeeded).</summary>
    Ran,
    /// <summary>Another runner holds the configuration's lease.</summary>
    Busy,
    /// <summary>The window is empty: the watermark is already at now minus the safety lag.</summary>
    UpToDate,
}

public sealed record ExportRunResult(Guid ConfigurationId, ExportRunOutcome Outcome, ExportJob? Job, string? Message = null);
