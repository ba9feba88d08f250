using System.Text;
using System.Text.Json.Nodes;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Ingest;

/// <summary>
/// IngestAuditEvents end to end: real HTTP into the handler exactly as the Functions host sends it,
/// real Azurite behind it, and what was stored read back from the tables.
/// </summary>
[Collection(EmulatorsCollection.Ingest)]
public sealed class IngestThroughHandlerTests(EmulatorsFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 15, 0, TimeSpan.Zero);

    private async Task<(TestHandler Handler, string Events, string Quarantine)> StartAsync(
        TimeProvider? clock = null, FaultInjectionPolicy? faults = null, Action<Dictionary<string, string>>? settings = null)
    {
        var values = TestHandler.IsolatedSettings(azurite, out var events, out var quarantine);
        settings?.Invoke(values);
        return (await TestHandler.StartAsync(values, clock ?? new FakeTimeProvider(Now), faults), events, quarantine);
    }

    private async Task<List<string>> StoredLinesAsync(string table) =>
        (await StoredEventsReport.ReadSegmentsAsync(azurite.TableService(), table)).SelectMany(s => s.Lines).ToList();

    private static JsonObject Batch(IReadOnlyList<string> bodies, string? partition = "0", long? firstSequence = 0, bool asObjects = false) =>
        EventHubInvocation.Create(bodies, partition, firstSequence, Now, bodiesAsObjects: asObjects);

    private static int Count(FunctionsHostClient.Result result, string name) => result.ReturnValue.GetProperty(name).GetInt32();

    [Fact]
    public async Task Fixture_events_are_all_accepted_and_stored_byte_for_byte()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(Samples.FixtureEvents));

        Assert.Equal(200, result.Status);
        Assert.Equal(16, Count(result, "accepted"));
        Assert.Equal(0, Count(result, "quarantined"));
        Assert.Equal(Samples.FixtureEvents, await StoredLinesAsync(events));
        Assert.Contains(result.Logs, l => l.Contains("16 accepted"));
        Assert.True(result.Body.TryGetProperty("Outputs", out _), "the answer carries the host's Outputs envelope");
    }

    [Fact]
    public async Task Fixture_events_delivered_as_json_objects_are_stored_as_the_host_sent_them()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(Samples.FixtureEvents, asObjects: true));

        Assert.Equal(16, Count(result, "accepted"));
        var stored = await StoredLinesAsync(events);
        Assert.Equal(Samples.FixtureEvents.Select(e => JsonNode.Parse(e)!.ToJsonString()), stored.Select(s => JsonNode.Parse(s)!.ToJsonString()));
    }

    [Fact]
    public async Task Identical_redelivery_is_stored_once()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var batch = Batch(Samples.FixtureEvents, firstSequence: 100);

        var first = await handler.Host.InvokeAsync("IngestAuditEvents", batch);
        var second = await handler.Host.InvokeAsync("IngestAuditEvents", batch);

        Assert.Equal(16, Count(first, "accepted"));
        Assert.Equal(0, Count(second, "accepted"));
        Assert.Equal(16, Count(second, "duplicates"));
        Assert.Equal(Samples.FixtureEvents, await StoredLinesAsync(events));
    }

    [Fact]
    public async Task Overlapping_redelivery_stores_only_what_is_new()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var all = Enumerable.Range(0, 30).Select(i => Samples.Event($"e{i:D2}")).ToList();

        await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all[..20], firstSequence: 0));
        var overlap = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all[10..], firstSequence: 10));

        Assert.Equal(10, Count(overlap, "accepted"));
        Assert.Equal(10, Count(overlap, "duplicates"));
        Assert.Equal(all, (await StoredLinesAsync(events)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Partitions_are_deduplicated_independently()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;

        await handler.Host.InvokeAsync("IngestAuditEvents", Batch([Samples.Event("p0-a")], partition: "0", firstSequence: 7));
        var other = await handler.Host.InvokeAsync("IngestAuditEvents", Batch([Samples.Event("p1-a")], partition: "1", firstSequence: 7));

        Assert.Equal(1, Count(other, "accepted"));
        Assert.Equal(2, (await StoredLinesAsync(events)).Count);
    }

    [Fact]
    public async Task Without_sequence_numbers_redelivery_is_recognised_by_id()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var all = Enumerable.Range(0, 150).Select(i => Samples.Event($"id-{i:D3}")).ToList();

        var first = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all[..100], partition: null, firstSequence: null));
        var overlap = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all[50..], partition: null, firstSequence: null));

        Assert.Equal(100, Count(first, "accepted"));
        Assert.Equal(50, Count(overlap, "accepted"));
        Assert.Equal(50, Count(overlap, "duplicates"));
        Assert.Equal(all, (await StoredLinesAsync(events)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Mixed_batch_stores_the_good_and_quarantines_the_bad_with_reason_position_and_exact_bytes()
    {
        var (handler, events, quarantine) = await StartAsync();
        await using var running = handler;
        var bodies = new List<string>
        {
            Samples.Event("good-1"),
            "{\"id\":\"no-time\"}",
            "not json at all",
            Samples.Event("good-2") + "\n" + "{\"eventTimestamp\":\"2026-11-20T08:00:00Z\"}",
            Samples.Event("bad-time", timestamp: "\"soon\""),
        };

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, firstSequence: 40));

        Assert.Equal(200, result.Status);
        Assert.Equal(2, Count(result, "accepted"));
        Assert.Equal(4, Count(result, "quarantined"));
        Assert.Equal([Samples.Event("good-1"), Samples.Event("good-2")], await StoredLinesAsync(events));

        var items = await azurite.RowsAsync(quarantine);
        var bySequence = items.ToDictionary(e => (e.GetInt64("SequenceNumber")!.Value, e.GetInt32("ItemIndex")!.Value));
        Assert.Equal("event has no timestamp (eventTimestamp, receivedTimestamp or dateTime)", bySequence[(41, 0)].GetString("Reason"));
        Assert.StartsWith("invalid JSON", bySequence[(42, 0)].GetString("Reason"));
        Assert.Equal("event has no 'id'", bySequence[(43, 1)].GetString("Reason"));
        Assert.Equal("'eventTimestamp' \"soon\" is neither ISO-8601 nor epoch milliseconds", bySequence[(44, 0)].GetString("Reason"));
        Assert.All(items, e => Assert.Equal("0", e.GetString("SourcePartition")));
        Assert.All(items, e => Assert.NotNull(e.GetString("Offset")));

        var raw = await azurite.ReadBlobAsync(bySequence[(42, 0)].GetString("BlobContainer")!, bySequence[(42, 0)].GetString("BlobName")!);
        Assert.Equal("not json at all", Encoding.UTF8.GetString(raw!));

        // The same batch again: nothing new stored, nothing quarantined twice.
        var again = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, firstSequence: 40));
        Assert.Equal(0, Count(again, "accepted"));
        Assert.Equal(0, Count(again, "quarantined"));
        Assert.Equal(4, (await azurite.RowsAsync(quarantine)).Count);
    }

    [Fact]
    public async Task Event_near_the_Event_Hubs_1_MB_limit_is_stored_intact_and_one_over_the_limit_is_quarantined()
    {
        var (handler, events, quarantine) = await StartAsync();
        await using var running = handler;
        var random = new Random(42);
        string Padded(string id, int size)
        {
            var head = $"{{\"id\":\"{id}\",\"eventTimestamp\":\"2026-11-20T08:00:00Z\",\"auditPayload\":{{\"query\":\"";
            var filler = new StringBuilder(size);
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.=()";
            while (filler.Length < size - head.Length - 3)
            {
                filler.Append(alphabet[random.Next(alphabet.Length)]);
            }
            return head + filler + "\"}}";
        }
        var nearLimit = Padded("near", 1_048_000);
        var overLimit = Padded("over", 1_048_577);

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", Batch([nearLimit, overLimit, Samples.Event("small")]));

        Assert.Equal(200, result.Status);
        var reasons = string.Join(" | ", (await azurite.RowsAsync(quarantine)).Select(e => e.GetString("Reason")));
        Assert.True(Count(result, "accepted") == 2, reasons);
        Assert.Equal(1, Count(result, "quarantined"));
        Assert.Equal([nearLimit, Samples.Event("small")], await StoredLinesAsync(events));
        var item = Assert.Single(await azurite.RowsAsync(quarantine));
        Assert.Equal("message is 1048577 bytes; the limit (MaxEventBytes) is 1048576", item.GetString("Reason"));
    }

    [Fact]
    public async Task Batch_spanning_a_month_boundary_is_stored_by_ingestion_month_and_its_redelivery_next_month_is_recognised()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 31, 23, 59, 59, 900, TimeSpan.Zero));
        var (handler, events, _) = await StartAsync(clock);
        await using var running = handler;
        var bodies = new[]
        {
            Samples.Event("october", timestamp: "\"2026-10-31T23:59:58.000Z\""),
            Samples.Event("november-by-offset", timestamp: "\"2026-10-31T19:00:01.000-05:00\""),
            Samples.Event("late", timestamp: "\"2026-09-01T00:00:00Z\""),
        };

        var first = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, firstSequence: 500));
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 2, TimeSpan.Zero));
        var redelivered = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, firstSequence: 500));
        var next = await handler.Host.InvokeAsync("IngestAuditEvents", Batch([Samples.Event("next", timestamp: "\"2026-11-01T00:00:01Z\"")], firstSequence: 503));

        Assert.Equal(3, Count(first, "accepted"));
        Assert.Equal(3, Count(redelivered, "duplicates"));
        Assert.Equal(1, Count(next, "accepted"));
        var segments = await StoredEventsReport.ReadSegmentsAsync(azurite.TableService(), events);
        Assert.Equal(3, segments.Where(s => s.PartitionKey.StartsWith("2026-10_")).Sum(s => s.Count));
        Assert.Equal(1, segments.Where(s => s.PartitionKey.StartsWith("2026-11_")).Sum(s => s.Count));
    }

    [Fact]
    public async Task Without_sequence_numbers_a_redelivery_across_the_month_boundary_is_recognised_by_id()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 31, 23, 59, 59, TimeSpan.Zero));
        var (handler, events, _) = await StartAsync(clock);
        await using var running = handler;
        var bodies = Enumerable.Range(0, 20).Select(i => Samples.Event($"b{i}", timestamp: "\"2026-10-31T23:59:00Z\"")).ToList();

        await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, partition: null, firstSequence: null));
        clock.SetUtcNow(clock.GetUtcNow().AddSeconds(5));
        var redelivered = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(bodies, partition: null, firstSequence: null));

        Assert.Equal(20, Count(redelivered, "duplicates"));
        Assert.Equal(20, (await StoredLinesAsync(events)).Count);
    }

    [Fact]
    public async Task Storage_unreachable_answers_500_with_the_reason_so_the_host_retries()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={StorageConnection.DevelopmentAccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{Emulators.FreePort()}/devstoreaccount1;BlobEndpoint=http://127.0.0.1:{Emulators.FreePort()}/devstoreaccount1;";
        var (handler, _, _) = await StartAsync(settings: s => s["AuditStorage"] = unreachable);
        await using var running = handler;

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(Samples.FixtureEvents));

        Assert.Equal(500, result.Status);
        Assert.Contains(result.Logs, l => l.Contains("Ingest failed, the batch will be retried"));
    }

    [Fact]
    public async Task Failure_after_a_partial_write_answers_500_and_the_retry_stores_the_rest_exactly_once()
    {
        var faults = new FaultInjectionPolicy();
        // 1 KiB segments: 150 messages need two transactions (99 segments + ledger each).
        var (handler, events, _) = await StartAsync(faults: faults, settings: s => s["SegmentTargetBytes"] = "1024");
        await using var running = handler;
        var all = Enumerable.Range(0, 150).Select(i => Samples.Event($"p{i:D3}", extra: $",\"pad\":\"{new string('x', 600)}\"")).ToList();
        var transactions = 0;
        faults.ShouldFail = (_, message) => FaultInjectionPolicy.IsTransaction(message) && Interlocked.Increment(ref transactions) > 1;

        var failed = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all, firstSequence: 1000));

        Assert.Equal(500, failed.Status);
        var partial = await StoredLinesAsync(events);
        Assert.InRange(partial.Count, 1, 149);

        faults.ShouldFail = (_, _) => false;
        var retried = await handler.Host.InvokeAsync("IngestAuditEvents", Batch(all, firstSequence: 1000));

        Assert.Equal(200, retried.Status);
        Assert.Equal(150 - partial.Count, Count(retried, "accepted"));
        Assert.Equal(partial.Count, Count(retried, "duplicates"));
        Assert.Equal(all, (await StoredLinesAsync(events)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Concurrent_deliveries_of_the_same_batch_store_it_once()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var batch = Batch(Enumerable.Range(0, 50).Select(i => Samples.Event($"c{i}")).ToList(), firstSequence: 0);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => handler.Host.InvokeAsync("IngestAuditEvents", batch)));

        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.Equal(50, results.Sum(r => Count(r, "accepted")));
        Assert.Equal(50, (await StoredLinesAsync(events)).Count);
    }

    [Fact]
    public async Task Events_passed_as_one_string_holding_an_array_or_json_lines_are_split_into_events()
    {
        var (handler, events, _) = await StartAsync();
        await using var running = handler;
        var arrayText = "[" + string.Join(",", Samples.FixtureEvents.Take(3)) + "]";
        var jsonLines = string.Join("\n", Samples.FixtureEvents.Skip(3).Take(3)) + "\n";
        var invocation = new JsonObject
        {
            ["Data"] = new JsonObject { ["events"] = JsonValue.Create(arrayText) },
            ["Metadata"] = new JsonObject(),
        };

        var asArray = await handler.Host.InvokeAsync("IngestAuditEvents", invocation);
        var asLines = await handler.Host.InvokeAsync("IngestAuditEvents", Batch([jsonLines], partition: "3", firstSequence: 9));

        Assert.Equal(3, Count(asArray, "accepted"));
        Assert.Equal(3, Count(asLines, "accepted"));
        Assert.Equal(Samples.FixtureEvents.Take(6).Order(StringComparer.Ordinal), (await StoredLinesAsync(events)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Health_answers_and_an_invocation_without_events_is_answered_not_crashed()
    {
        var (handler, _, _) = await StartAsync();
        await using var running = handler;

        await handler.Host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(5));
        var empty = await handler.Host.InvokeAsync("IngestAuditEvents", new JsonObject { ["Data"] = new JsonObject(), ["Metadata"] = new JsonObject() });

        Assert.Equal(200, empty.Status);
        Assert.Equal(0, Count(empty, "accepted"));
        Assert.Contains(empty.Logs, l => l.Contains("no 'events' data"));
    }
}
