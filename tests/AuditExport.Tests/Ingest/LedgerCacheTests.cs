using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Azure.Core;

namespace AuditExport.Tests.Ingest;

/// <summary>
/// The ledger a handler committed is kept in memory for the partition's next batch (one point query fewer per
/// invocation), and a copy another instance made stale is caught by its ETag: the batch is redone from a fresh read.
/// </summary>
[Collection(EmulatorsCollection.Ingest)]
public sealed class LedgerCacheTests(EmulatorsFixture emulators)
{
    private static bool IsLedgerRead(HttpMessage message) =>
        message.Request.Method == RequestMethod.Get && message.Request.Uri.ToString().Contains("ledger", StringComparison.Ordinal);

    private static async Task<(int Accepted, int Duplicates)> DeliverAsync(TestHandler handler, IReadOnlyList<string> events, long firstSequence)
    {
        var result = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(events, "0", firstSequence, DateTimeOffset.UtcNow));
        Assert.True(result.Succeeded, result.Body.ToString());
        return (result.ReturnValue.GetProperty("accepted").GetInt32(), result.ReturnValue.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task A_partitions_next_batch_reads_no_ledger_and_a_copy_another_instance_made_stale_is_caught_by_its_etag()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        var ledgerReads = 0;
        var counting = new FaultInjectionPolicy
        {
            ShouldFail = (_, message) =>
            {
                if (IsLedgerRead(message))
                {
                    Interlocked.Increment(ref ledgerReads);
                }
                return false;
            },
        };
        await using var one = await TestHandler.StartAsync(settings, faults: counting);
        await using var two = await TestHandler.StartAsync(settings);

        Assert.Equal((10, 0), await DeliverAsync(one, Samples.Numbered("a", 10), 0));
        var afterFirst = ledgerReads; // this month's ledger, and last month's when this month has none yet
        Assert.Equal((10, 0), await DeliverAsync(one, Samples.Numbered("b", 10), 10));
        Assert.Equal(afterFirst, ledgerReads); // the committed copy served the second batch

        var third = Samples.Numbered("c", 10);
        Assert.Equal((10, 0), await DeliverAsync(two, third, 20)); // another instance moves the ledger on
        // Redelivered to the first: its copy does not know 20-29, so it writes them under the old ETag, gets 412, reads again.
        Assert.Equal((0, 10), await DeliverAsync(one, third, 20));

        Assert.True(ledgerReads > afterFirst, "the stale copy was replaced by a read");
        Assert.Contains(one.Logs, l => l.Contains("changed concurrently"));
        Assert.Equal((10, 0), await DeliverAsync(one, Samples.Numbered("d", 10), 30));
    }
}
