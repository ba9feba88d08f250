using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.BadInput;

/// <summary>
/// The bad-input corpus (BadInput/corpus, one file per kind, expected reasons in expected-reasons.json):
/// every kind is quarantined with its specific reason, its kind and its exact bytes (expected-kinds.json); the handler answers 2xx and its
/// memory stays bounded.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)] // measures the process's memory
public sealed class BadInputCorpusTests(EmulatorsFixture emulators)
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "BadInput");

    public static TheoryData<string> Files() => [.. Expected().Keys.Order(StringComparer.Ordinal)];

    private static Dictionary<string, string> Expected() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(Folder, "expected-reasons.json")))!;

    /// <summary>Each file's rejection kind (the metric's reason dimension), as the code that rejects it names it.</summary>
    private static Dictionary<string, string> ExpectedKinds() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(Folder, "expected-kinds.json")))!;

    private static byte[] Content(string file) => File.ReadAllBytes(Path.Combine(Folder, "corpus", file));

    [Fact]
    public void The_corpus_has_at_least_30_kinds_each_with_a_file_and_a_reason()
    {
        var expected = Expected();
        Assert.True(expected.Count >= 30, $"{expected.Count} kinds");
        Assert.Equal(expected.Keys.Order(), Directory.GetFiles(Path.Combine(Folder, "corpus")).Select(Path.GetFileName).Order()!);
        Assert.All(expected.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        Assert.Equal(expected.Keys.Order(), ExpectedKinds().Keys.Order());
        Assert.All(ExpectedKinds().Values, kind => Assert.Contains(kind, RejectionKind.All));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Raw_bytes_of_each_kind_are_rejected_with_their_specific_reason(string file)
    {
        var splitter = new ElementSplitter(new AuditEventValidator(1024 * 1024, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero))));
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();

        splitter.Split(new DeliveredElement(0, Content(file)), accepted, rejected);

        var rejection = Assert.Single(rejected);
        Assert.StartsWith(Expected()[file], rejection.Reason);
        Assert.Equal(ExpectedKinds()[file], rejection.Kind);
        Assert.All(accepted, e => Assert.StartsWith("l", e.Id)); // only the good lines of the JSON Lines file
    }

    [Fact]
    public async Task Through_the_handler_every_kind_is_quarantined_with_its_reason_and_exact_bytes_and_nothing_crashes()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out var events, out var quarantine);
        await using var handler = await TestHandler.StartAsync(settings, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero)));
        var expected = Expected();
        // function.json's dataType "binary": the host passes each message's exact bytes, invalid UTF-8 and UTF-16 included.
        var files = expected.Keys.Order(StringComparer.Ordinal).ToList();
        var bodies = files.Select(Content).ToList();

        var result = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(bodies, "7", 1000, DateTimeOffset.UtcNow));

        Assert.Equal(200, result.Status);
        Assert.Equal(files.Count, result.ReturnValue.GetProperty("quarantined").GetInt32());
        Assert.Equal(2, result.ReturnValue.GetProperty("accepted").GetInt32()); // l1 and l3 of the JSON Lines file
        var byKind = result.ReturnValue.GetProperty("quarantinedByReason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(files.GroupBy(f => ExpectedKinds()[f]).ToDictionary(g => g.Key, g => g.Count()).OrderBy(k => k.Key), byKind.OrderBy(k => k.Key));
        var rows = await emulators.RowsAsync(quarantine);
        foreach (var row in rows)
        {
            var file = files[(int)(row.GetInt64("SequenceNumber")!.Value - 1000)];
            Assert.StartsWith(expected[file], row.GetString("Reason"));
            var raw = await emulators.ReadBlobAsync(row.GetString("BlobContainer")!, row.GetString("BlobName")!);
            Assert.NotNull(raw);
            Assert.True(bodies[files.IndexOf(file)].AsSpan().IndexOf(raw) >= 0, $"{file}: the kept bytes are the message's own, unaltered");
        }
        Assert.Equal(files.Count, rows.Count);
        await handler.Host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Delivering_the_corpus_again_and_again_keeps_memory_bounded()
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        await using var handler = await TestHandler.StartAsync(settings);
        var bodies = Expected().Keys.Where(f => f != "over-1mb.json").Select(Content).ToList();
        await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(bodies, null, null, DateTimeOffset.UtcNow));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var round = 0; round < 30; round++)
        {
            var result = await handler.Host.InvokeAsync("IngestAuditEvents", EventHubInvocation.Create(bodies, null, null, DateTimeOffset.UtcNow));
            Assert.Equal(200, result.Status);
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(after - before < 32 * 1024 * 1024, $"managed memory grew by {(after - before) / 1024 / 1024} MiB over 30 deliveries");
    }
}
