using AuditExport.Export;

namespace AuditExport.Tests.Export;

public sealed class PrefetchTests
{
    private static async IAsyncEnumerable<int> Numbers(int count, List<int> produced, Exception? failAt = null)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            if (failAt is not null && i == 5)
            {
                throw failAt;
            }
            lock (produced)
            {
                produced.Add(i);
            }
            yield return i;
        }
    }

    [Fact]
    public async Task Items_arrive_in_order_and_the_reader_stays_at_most_capacity_ahead()
    {
        var produced = new List<int>();
        var consumed = new List<int>();
        await foreach (var item in Prefetch.AheadAsync(Numbers(100, produced), capacity: 4))
        {
            await Task.Delay(1);
            int ahead;
            lock (produced)
            {
                ahead = produced.Count - consumed.Count;
            }
            Assert.InRange(ahead, 0, 4 + 2); // the channel, plus one item in the consumer's hand and one being written
            consumed.Add(item);
        }
        Assert.Equal(Enumerable.Range(0, 100), consumed);
    }

    [Fact]
    public async Task A_reader_failure_reaches_the_consumer_and_an_early_stop_stops_the_reader()
    {
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in Prefetch.AheadAsync(Numbers(100, [], new IOException("storage down")), capacity: 2))
            {
            }
        });
        Assert.Equal("storage down", error.Message);

        var produced = new List<int>();
        await foreach (var item in Prefetch.AheadAsync(Numbers(1_000_000, produced), capacity: 2))
        {
            if (item == 3)
            {
                break;
            }
        }
        await Task.Delay(50);
        int count;
        lock (produced)
        {
            count = produced.Count;
        }
        Assert.True(count < 100, $"the reader went on to {count} items after the consumer stopped");
    }
}
