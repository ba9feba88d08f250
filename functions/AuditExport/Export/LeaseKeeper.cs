namespace AuditExport.Export;

/// <summary>
/// Holds a configuration's export lease: every state write is conditional on the state this runner last
/// wrote, so a runner that lost its lease (expired and taken over) fails instead of overwriting.
/// </summary>
public sealed class LeaseKeeper(ExportStores stores, ExportState state, TimeSpan lease, TimeProvider clock)
{
    public ExportState State { get; private set; } = state;

    public async Task SaveAsync(Func<ExportState, ExportState> change, CancellationToken cancellationToken) =>
        State = await stores.SaveStateAsync(change(State), cancellationToken);

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
