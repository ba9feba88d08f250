using System.Threading.Channels;

namespace AuditExport.Export;

/// <summary>
/// Reads ahead of the consumer, at most <c>capacity</c> items, so that reading the next segments overlaps the
/// upload of the current ones while memory stays bounded (segments are at most ~1 MiB each).
/// </summary>
public static class Prefetch
{
    public static async IAsyncEnumerable<T> AheadAsync<T>(IAsyncEnumerable<T> source, int capacity,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    await channel.Writer.WriteAsync(item, stop.Token);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e); // the consumer sees the reader's failure where it reads
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync(); // a consumer that stops early also stops the reader
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
