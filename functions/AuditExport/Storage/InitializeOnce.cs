namespace AuditExport.Storage;

/// <summary>
/// Runs an initialisation (creating tables and containers) once per process, on first use rather than at
/// start-up, so the handler starts and answers health checks even while storage is unreachable. A failed
/// attempt is tried again by the next caller.
/// </summary>
public sealed class InitializeOnce(Func<CancellationToken, Task> initialize)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_done)
            {
                await initialize(cancellationToken);
                _done = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
