namespace AuditExport.Export;

/// <summary>
/// A seam for tests that must stop a job at its most delicate point: after every object is uploaded and the
/// job recorded as succeeded, before the watermark moves. Does nothing in production.
/// </summary>
public class ExportTestHooks
{
    public virtual Task BeforeWatermarkAsync(ExportJob job, CancellationToken cancellationToken) => Task.CompletedTask;
}
