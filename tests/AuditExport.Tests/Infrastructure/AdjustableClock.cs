namespace AuditExport.Tests.Infrastructure;

/// <summary>A clock the test sets; everything else about time stays real.</summary>
public sealed class AdjustableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
