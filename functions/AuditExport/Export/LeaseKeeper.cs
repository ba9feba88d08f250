namespace AuditExport.Export;

/// <summary>
/// Holds a configuration's export lease: every state write is conditional on the state this runner last
/// wrote, so a runner that lost its lease (expired and taken over) fails instead of overwriting.
/// </summary>
public sealed class LeaseKeeper(ExportStores stores, ExportState state, TimeSpan lease, TimeProvider clock)
{
    public ExportState State { get; private set; } = state;

    public async Task SaveAsync(Func<ExportState, ExportState> change, CancellationToken cancellationToken)
    {
        var desired = change(State);
        try
        {
            State = await stores.SaveStateAsync(desired, cancellationToken);
        }
        catch (ExportStores.ConflictException)
        {
            // A write can commit although its answer was lost; the client's retry then meets its own new ETag.
            // If the stored state is exactly what this runner wrote, that write succeeded.
            var stored = await stores.GetStateAsync(desired.ConfigurationId, cancellationToken);
            if (stored is null || !SameContent(stored, desired))
            {
                throw;
            }
            State = stored;
        }
    }

    private static bool SameContent(ExportState a, ExportState b) =>
        a.LeaseOwner == b.LeaseOwner && a.CurrentJobId == b.CurrentJobId && a.LastJobId == b.LastJobId && a.LastStatus == b.LastStatus && a.ConsecutiveFailures == b.ConsecutiveFailures
        && Math.Abs((a.Watermark - b.Watermark).TotalMilliseconds) < 1
        && Math.Abs(((a.LeaseUntil ?? default) - (b.LeaseUntil ?? default)).TotalMilliseconds) < 1;

    public async Task RenewIfDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (State.LeaseUntil - now < lease / 2)
        {
            await SaveAsync(s => s with { LeaseUntil = now + lease }, cancellationToken);
        }
    }

    public async Task ReleaseAsync()
    {
        try
        {
            await SaveAsync(s => s with { LeaseOwner = null, LeaseUntil = null }, CancellationToken.None);
        }
        catch (ExportStores.ConflictException)
        {
            // Taken over after expiry: the new holder owns the state now.
        }
    }
}
