using System.Diagnostics;

namespace AuditExport.Export;

/// <summary>
/// The time one invocation may spend starting export jobs (<see cref="ExportOptions.TimeBudget"/>), on the real
/// clock: a job that would not finish before the host's functionTimeout is better left to the next invocation
/// than killed half-way and redone.
/// </summary>
public sealed class ExportDeadline
{
    private readonly long _started = Stopwatch.GetTimestamp();

    private ExportDeadline(TimeSpan budget) => Budget = budget;

    public TimeSpan Budget { get; }

    public static ExportDeadline After(TimeSpan budget) => new(budget);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public TimeSpan Remaining => Budget - Elapsed;

    /// <summary>Whether a job expected to take <paramref name="expected"/> (the longest one so far; zero for the first) fits.</summary>
    public bool Allows(TimeSpan expected) => Remaining > expected;
}
