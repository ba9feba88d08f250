using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Hosting;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AuditExport.Tests.Robustness;

/// <summary>
/// Whatever a producer can put on the hub is stored or quarantined and the partition moves on: each case here made
/// an invocation fail on every retry (issue 25, findings 1, 2 and 8) before it was fixed.
/// </summary>
[Collection(EmulatorsCollection.Robustness)]
[Trait(EmulatorsCollection.Stage, EmulatorsCollection.RobustnessStage)]
public sealed class HostileProducerTests(EmulatorsFixture azurite, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 15, 0, TimeSpan.Zero);

    private async Task<(TestHandler Handler, string Events, string Quarantine)> StartAsync(Action<Dictionary<string, string>>? settings = null)
    {
        var values = TestHandler.IsolatedSettings(azurite, out var events, out var quarantine);
        settings?.Invoke(values);
        return (await TestHandler.StartAsync(values, new FakeTimeProvider(Now)), events, quarantine);
    }

    private async Task<List<string>> StoredLinesAsync(string table) =>
        (await StoredEventsReport.ReadSegmentsAsync(azurite.TableService(), table)).SelectMany(s => s.Lines).ToList();

    private static int Count(FunctionsHostClient.Result result, string name) => result.ReturnValue.GetProperty(name).GetInt32();

    [Fact]
    public async Task A_message_of_14000_bad_items_is_one_quarantine_record_and_the_valid_event_beside_it_is_stored()
    {
        var (handler, events, quarantine) = await StartAsync();
        await using var running = handler;
        var message = "[" + string.Join(",", Enumerable.Repeat("{}", 14_000)) + "," + Samples.Event("valid-in-junk") + "]";
        var clock = Stopwatch.StartNew();

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([message, Samples.Event("next")], "0", 500, Now));

        output.WriteLine($"{message.Length} bytes, 14,001 items: answered {result.Status} in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(200, result.Status);
        Assert.Equal(2, Count(result, "accepted"));
        Assert.Equal(14_000, Count(result, "quarantined"));
        Assert.Equal(14_000, result.ReturnValue.GetProperty("quarantinedByReason").GetProperty(RejectionKind.InvalidId).GetInt32());
        Assert.Equal([Samples.Event("valid-in-junk"), Samples.Event("next")], await StoredLinesAsync(events));

        var row = Assert.Single(await azurite.RowsAsync(quarantine));
        Assert.Equal("14000 of 14001 items in this message cannot be stored (1 were stored as events); the message is kept whole: 14000 invalid_id (first, item 0: event has no 'id')",
            row.GetString("Reason"));
        Assert.Equal(500, row.GetInt64("SequenceNumber"));
        Assert.Equal(message, Encoding.UTF8.GetString((await azurite.ReadBlobAsync(row.GetString("BlobContainer")!, row.GetString("BlobName")!))!));

        var again = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create([message, Samples.Event("next")], "0", 500, Now));
        Assert.Equal((0, 14_002), (Count(again, "accepted"), Count(again, "duplicates"))); // every item of the messages seen before
        Assert.Single(await azurite.RowsAsync(quarantine));
    }

    [Fact]
    public async Task An_invocation_larger_than_memory_allows_is_spooled_and_ingested_in_parts_exactly_once()
    {
        var (handler, events, quarantine) = await StartAsync(s => s["InvocationMemoryBytes"] = (64 * 1024).ToString());
        await using var running = handler;
        var pad = new string('q', 6_000);
        var bodies = Enumerable.Range(0, 60).Select(i => i % 20 == 7 ? $"{{\"junk\":{i}}}" : Samples.Event($"big-{i:D2}", extra: $",\"pad\":\"{pad}\"")).ToList();
        var invocation = EventHubInvocation.Create(bodies, "1", 1_000, Now);
        Assert.True(Encoding.UTF8.GetByteCount(invocation.ToJsonString()) > 5 * 64 * 1024);

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", invocation);

        Assert.Equal(200, result.Status);
        Assert.Equal((57, 3), (Count(result, "accepted"), Count(result, "quarantined")));
        Assert.True(Count(result, "transactions") >= 5, "one part (and transaction) per 64 KiB of events");
        Assert.Equal(bodies.Where(b => !b.StartsWith("{\"junk\"", StringComparison.Ordinal)), (await StoredLinesAsync(events)).Order(StringComparer.Ordinal));
        Assert.Equal([1_007L, 1_027L, 1_047L], (await azurite.RowsAsync(quarantine)).Select(r => r.GetInt64("SequenceNumber")!.Value).Order());

        var again = await handler.Host.InvokeAsync("IngestAuditEvents", invocation);
        Assert.Equal((0, 60), (Count(again, "accepted"), Count(again, "duplicates")));
    }

    [Fact]
    public async Task A_spooled_body_is_read_back_byte_for_byte()
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { Data = new { events = Enumerable.Range(0, 300).Select(i => new string((char)('a' + i % 26), 1000)).ToArray() } });
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);

        using var invocation = await InvocationBody.ReadAsync(context.Request, 64 * 1024, "events", default);

        Assert.True(invocation.IsSpooled);
        Assert.Equal(body.Length, invocation.Length);
        Assert.Equal(300, invocation.Data.GetProperty("events").GetArrayLength());
        Assert.Equal(new string('z', 1000), invocation.Data.GetProperty("events")[25].GetString());
    }

    [Fact]
    public async Task An_event_nested_past_the_depth_limit_is_quarantined_alone_whether_sent_as_an_object_or_inside_a_one_string_batch()
    {
        var (handler, events, quarantine) = await StartAsync();
        await using var running = handler;
        var deep = "{\"id\":\"deep\",\"eventTimestamp\":\"2026-11-20T08:00:00Z\",\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}";
        // Built as text: the deep event is past what System.Text.Json's own node parser accepts.
        var asObjects = EventHubInvocation.Create([Samples.Event("before"), "{\"placeholder\":0}", Samples.Event("after")], "2", 0, Now, bodiesAsObjects: true)
            .ToJsonString().Replace("{\"placeholder\":0}", deep, StringComparison.Ordinal);

        var objects = await handler.Host.InvokeAsync("IngestAuditEvents", Encoding.UTF8.GetBytes(asObjects));

        Assert.Equal(200, objects.Status);
        Assert.Equal((2, 1), (Count(objects, "accepted"), Count(objects, "quarantined")));

        // The host's own form (dataType binary): Data.events is one string holding the JSON array of base64 bodies.
        var oneString = EventHubInvocation.Create([Samples.Event("one-a"), deep, Samples.Event("one-b")], "3", 0, Now);
        Assert.Equal(JsonValueKind.String, oneString["Data"]!["events"]!.GetValueKind());
        var strings = await handler.Host.InvokeAsync("IngestAuditEvents", oneString);

        Assert.Equal(200, strings.Status);
        Assert.Equal((2, 1), (Count(strings, "accepted"), Count(strings, "quarantined")));
        Assert.Equal(4, (await StoredLinesAsync(events)).Count);
        Assert.All(await azurite.RowsAsync(quarantine), r => Assert.Equal("JSON nesting is deeper than 64 levels", r.GetString("Reason")));
    }

    /// <summary>
    /// With dataType "binary" the host serializes the batch's byte arrays (Json.NET: base64, nothing escaped) and passes the
    /// array as one JSON string, so a message of n bytes takes 4n/3 bytes whatever it holds (measured here on the host's
    /// form; with "string" a control character took 7), and the largest invocation host.json allows is maxEventBatchSize ×
    /// 4/3 × the largest message (Event Hubs Standard: 1 MB) plus metadata. It must fit what the handler can read, or that
    /// batch would be refused on every retry.
    /// </summary>
    [Fact]
    public void The_largest_batch_host_json_allows_fits_what_the_handler_reads()
    {
        Assert.Equal("binary", EventHubInvocation.DataType);
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "host.json")))!;
        var maxEventBatchSize = hostJson["extensions"]!["eventHubs"]!["maxEventBatchSize"]!.GetValue<int>();
        long HostForm(byte[] message) => EventHubInvocation.Create([message], null, null, Now)["Data"]!["events"]!.ToJsonString(EventHubInvocation.HostJson).Length;
        var worst = Enumerable.Range(0, 3000).Select(i => (byte)(i % 32)).ToArray(); // control bytes: the worst case as text
        var expansion = (HostForm(worst) - HostForm([])) / 3000.0;
        Assert.Equal(4 / 3.0, expansion, 3);

        const long metadataPerEvent = 8 * 1024; // sequence number, offset, times, system properties (user properties count in the message)
        var largestMessage = new IngestOptions().MaxEventBytes;
        var largestInvocation = maxEventBatchSize * (long)(expansion * largestMessage + metadataPerEvent) + 64 * 1024;

        Assert.True(largestInvocation <= HandlerApp.MaxInvocationBytes,
            $"maxEventBatchSize {maxEventBatchSize} allows {largestInvocation} bytes; the handler reads at most {HandlerApp.MaxInvocationBytes}");
    }
}
