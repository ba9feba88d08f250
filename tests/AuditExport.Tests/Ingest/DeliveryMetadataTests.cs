using AuditExport.AuditStore;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Azure.Data.Tables;

namespace AuditExport.Tests.Ingest;

/// <summary>
/// Delivery metadata from the host decides deduplication, so it is checked like any other input: what is
/// malformed is quarantined with the reason and never reaches the ledger, a ledger row that cannot be read does
/// not stop its partition, and without metadata only a byte-identical redelivery counts as a duplicate.
/// </summary>
[Collection(EmulatorsCollection.Ingest)]
public sealed class DeliveryMetadataTests(EmulatorsFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 15, 0, TimeSpan.Zero);
    private static readonly string CasesFile = Path.Combine(AppContext.BaseDirectory, "BadInput", "invocation-metadata.json");

    private static readonly string[] Events = [Samples.Event("m1"), Samples.Event("m2"), Samples.Event("m3")];

    public static TheoryData<string> Cases() => [.. ReadCases().Select(c => c.Name)];

    private static IEnumerable<(string Name, JsonObject Metadata, int Quarantined, string Reason)> ReadCases() =>
        JsonNode.Parse(File.ReadAllText(CasesFile))!.AsObject().Select(c => (c.Key, c.Value!["metadata"]!.AsObject(),
            c.Value["quarantined"]!.GetValue<int>(), c.Value["reason"]!.GetValue<string>()));

    private async Task<(TestHandler Handler, string Events, string Quarantine)> StartAsync()
    {
        var settings = TestHandler.IsolatedSettings(azurite, out var events, out var quarantine);
        return (await TestHandler.StartAsync(settings, new FakeTimeProvider(Now)), events, quarantine);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_metadata_quarantines_the_events_it_concerns_with_the_reason_and_never_reaches_the_ledger(string name)
    {
        var (_, patch, quarantined, reason) = ReadCases().Single(c => c.Name == name);
        var (handler, events, quarantine) = await StartAsync();
        await using var running = handler;
        var invocation = EventHubInvocation.Create(Events, "0", 0, Now);
        foreach (var (key, value) in patch)
        {
            invocation["Metadata"]![key] = value?.DeepClone();
        }

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", invocation);

        Assert.Equal(200, result.Status);
        Assert.Equal(quarantined, result.ReturnValue.GetProperty("quarantined").GetInt32());
        Assert.Equal(3 - quarantined, result.ReturnValue.GetProperty("accepted").GetInt32());
        Assert.Contains(result.Logs, l => l.StartsWith("Invalid Event Hubs metadata", StringComparison.Ordinal));
        var rows = await azurite.RowsAsync(quarantine);
        Assert.Equal(quarantined, rows.Count);
        Assert.All(rows, r => Assert.StartsWith(reason, r.GetString("Reason")));
        Assert.DoesNotContain(await azurite.RowsAsync(events), r => r.RowKey.StartsWith(AuditEventKeys.LedgerPrefix, StringComparison.Ordinal));

        // The partition goes on: the next well-formed batch is stored and recorded.
        var next = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([Samples.Event("next")], "0", 10, Now));
        Assert.Equal(200, next.Status);
        Assert.Equal(1, next.ReturnValue.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task An_unreadable_ledger_row_is_reported_and_replaced_instead_of_failing_every_batch_of_its_partition()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var table = azurite.TableService().GetTableClient(events);
        await table.CreateIfNotExistsAsync();
        var partitionKey = AuditEventKeys.PartitionKey(Now, AuditEventKeys.Shard("4", 4));
        await table.UpsertEntityAsync(new TableEntity(partitionKey, AuditEventKeys.LedgerRowKey("4")) { ["PartitionId"] = "4", ["Ranges"] = "-1" });

        var first = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(Events, "4", 100, Now));
        var again = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(Events, "4", 100, Now));

        Assert.Equal(200, first.Status);
        Assert.Equal(3, first.ReturnValue.GetProperty("accepted").GetInt32());
        Assert.Equal(3, again.ReturnValue.GetProperty("duplicates").GetInt32()); // the replaced ledger works again
        Assert.Equal("100-102", (await azurite.RowAsync(events, partitionKey, AuditEventKeys.LedgerRowKey("4")))!.GetString("Ranges"));
        Assert.Contains(handler.Logs, l => l.Contains("delivery ledger of Event Hub partition 4") && l.Contains("'-1' is not a list of sequence number ranges"));
    }

    [Fact]
    public async Task Without_sequence_numbers_a_different_event_reusing_an_id_is_stored_and_only_byte_identical_redelivery_is_a_duplicate()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var original = Samples.Event("reused", extra: ",\"action\":\"query\"");
        var different = Samples.Event("reused", extra: ",\"action\":\"grant\"");

        var first = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([original], null, null, Now));
        var second = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([different, original], null, null, Now));
        var third = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([different], null, null, Now));

        Assert.Equal(1, first.ReturnValue.GetProperty("accepted").GetInt32());
        Assert.Equal((1, 1), (second.ReturnValue.GetProperty("accepted").GetInt32(), second.ReturnValue.GetProperty("duplicates").GetInt32()));
        Assert.Equal((0, 1), (third.ReturnValue.GetProperty("accepted").GetInt32(), third.ReturnValue.GetProperty("duplicates").GetInt32()));
        var stored = (await StoredEventsReport.ReadSegmentsAsync(azurite.TableService(), events)).SelectMany(s => s.Lines).Order().ToList();
        Assert.Equal(new[] { original, different }.Order(), stored);
    }

    [Fact]
    public async Task A_marker_written_before_content_was_part_of_it_still_recognises_its_redelivery()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var table = azurite.TableService().GetTableClient(events);
        await table.CreateIfNotExistsAsync();
        var partitionKey = AuditEventKeys.PartitionKey(Now, AuditEventKeys.Shard("legacy", 4));
        await table.UpsertEntityAsync(new TableEntity(partitionKey, AuditEventKeys.IdMarkerRange("legacy").From) { ["Segment"] = "stored-earlier" });

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([Samples.Event("legacy")], null, null, Now));

        Assert.Equal((0, 1), (result.ReturnValue.GetProperty("accepted").GetInt32(), result.ReturnValue.GetProperty("duplicates").GetInt32()));
    }
}
