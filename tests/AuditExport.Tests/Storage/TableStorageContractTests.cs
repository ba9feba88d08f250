using AuditExport.AuditStore;
using AuditExport.Ingest;
using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace AuditExport.Tests.Storage;

/// <summary>
/// Azure.Data.Tables against Azurite, through the same connection and options as the handler: every
/// operation and every limit the storage layout relies on.
/// </summary>
[Collection(EmulatorsCollection.StorageAndPackage)]
public sealed class TableStorageContractTests(EmulatorsFixture azurite)
{
    private readonly TableClient _table = azurite.TableService().GetTableClient(EmulatorsFixture.UniqueName("contract"));

    private async Task<TableClient> CreatedTableAsync()
    {
        await _table.CreateIfNotExistsAsync();
        return _table;
    }

    private static async Task<List<TableEntity>> AllAsync(TableClient table) => await table.QueryAsync<TableEntity>().ToListAsync();

    [Fact]
    public async Task Create_table_is_idempotent()
    {
        await _table.CreateIfNotExistsAsync();
        await _table.CreateIfNotExistsAsync();
        Assert.Empty(await AllAsync(_table));
    }

    [Fact]
    public async Task Upsert_then_point_read_round_trips_every_property_type()
    {
        var table = await CreatedTableAsync();
        var binary = Enumerable.Range(0, TableLimits.MaxBinaryPropertyBytes).Select(i => (byte)i).ToArray();
        var when = new DateTimeOffset(2026, 11, 20, 8, 0, 0, 123, TimeSpan.Zero);
        var guid = Guid.NewGuid();
        var entity = new TableEntity("2026-11_00", "row-1")
        {
            ["Text"] = "héllo 'quoted' ünïcode",
            ["Int"] = 42,
            ["Long"] = 9_007_199_254_740_993L,
            ["Double"] = 1.5,
            ["Flag"] = true,
            ["When"] = when,
            ["Guid"] = guid,
            ["Data"] = binary,
        };
        var written = await table.UpsertEntityAsync(entity, TableUpdateMode.Replace);

        var read = (await table.GetEntityAsync<TableEntity>("2026-11_00", "row-1")).Value;
        Assert.Equal(written.Headers.ETag, read.ETag);
        Assert.Equal("héllo 'quoted' ünïcode", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Int"));
        Assert.Equal(9_007_199_254_740_993L, read.GetInt64("Long"));
        Assert.Equal(1.5, read.GetDouble("Double"));
        Assert.True(read.GetBoolean("Flag"));
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(guid, read.GetGuid("Guid"));
        Assert.Equal(binary, read.GetBinary("Data"));
        Assert.NotNull(read.Timestamp);
    }

    [Theory]
    [InlineData("pk with space", "rk'quote")]
    [InlineData("2026-11_07", "ünïcode-é")]
    public async Task Keys_with_special_characters_can_be_read_queried_and_deleted(string partitionKey, string rowKey)
    {
        var table = await CreatedTableAsync();
        await table.UpsertEntityAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 1 });
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey)).HasValue);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {rowKey}");
        Assert.Single(await table.QueryAsync<TableEntity>(filter).ToListAsync());
        await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey)).HasValue);
    }

    [Fact]
    public async Task Point_read_of_a_missing_entity_has_no_value_and_deleting_it_does_not_throw()
    {
        var table = await CreatedTableAsync();
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("nope", "nope")).HasValue);
        var response = await table.DeleteEntityAsync("nope", "nope", ETag.All);
        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task Key_range_query_follows_continuation_tokens_to_the_last_entity()
    {
        var table = await CreatedTableAsync();
        for (var batch = 0; batch < 3; batch++)
        {
            await table.SubmitTransactionAsync(Enumerable.Range(0, 100)
                .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"{batch * 100 + i:D4}") { ["N"] = batch * 100 + i })));
        }

        var pages = 0;
        var keys = new List<string>();
        await foreach (var page in table.QueryAsync<TableEntity>("PartitionKey eq 'p' and RowKey ge '0050' and RowKey lt '0270'", maxPerPage: 40).AsPages())
        {
            keys.AddRange(page.Values.Select(e => e.RowKey));
            pages++;
        }

        Assert.Equal(Enumerable.Range(50, 220).Select(i => $"{i:D4}"), keys);
        Assert.True(pages >= 6, $"expected the 220 entities over several pages of 40, got {pages} page(s)");
        Assert.Equal(300, (await table.QueryAsync<TableEntity>(select: ["N"]).ToListAsync()).Count);
    }

    [Fact]
    public async Task Transaction_of_100_entities_commits_and_answers_an_etag_for_each()
    {
        var table = await CreatedTableAsync();
        var responses = await table.SubmitTransactionAsync(Enumerable.Range(0, TableLimits.MaxTransactionOperations)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i:D3}") { ["N"] = i })));
        Assert.Equal(100, responses.Value.Count);
        Assert.All(responses.Value, r => Assert.NotNull(r.Headers.ETag));
        Assert.Equal(100, (await AllAsync(table)).Count);
    }

    [Fact]
    public async Task The_largest_planned_transaction_stays_under_4_MiB_on_the_wire_and_reads_back_intact()
    {
        // Incompressible events fill segments to the chunk limit: the worst case for the planner's byte budget.
        var random = new Random(11);
        var events = Enumerable.Range(0, 400).Select(i =>
        {
            var pad = Convert.ToBase64String(Enumerable.Range(0, 6000).Select(_ => (byte)random.Next(256)).ToArray());
            return new AuditEvent(System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"e{i}\",\"pad\":\"{pad}\"}}"), $"e{i}", DateTimeOffset.UtcNow, i, 0);
        }).ToList();
        var segments = new SegmentPacker(new IngestOptions().SegmentTargetBytes).Pack(events, []);
        var plan = TransactionPlanner.Plan(segments, reservedOperations: 1, _ => 0);
        var largest = plan.MaxBy(t => t.Sum(s => s.Compressed.Length))!;
        Assert.True(largest.Sum(s => s.Compressed.Length) > 2 * 1024 * 1024, "the test must fill a transaction close to the budget");

        var sizes = new RequestSizePolicy();
        var options = new StorageClientOptions();
        options.AdditionalPolicies.Add(sizes);
        var table = azurite.TableService(options).GetTableClient(_table.Name);
        await table.CreateIfNotExistsAsync();
        var entities = largest.Select((s, i) => SegmentEntity.Create("p", $"seg{i:D3}", s, DateTimeOffset.UtcNow, "0", i, i)).ToList();
        await table.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));

        Assert.InRange(sizes.Largest, 2 * 1024 * 1024, TableLimits.MaxTransactionBytes);
        var read = (await table.GetEntityAsync<TableEntity>("p", "seg000")).Value;
        Assert.Equal(largest[0].Compressed, SegmentEntity.ReadPayload(read));
    }

    [Fact]
    public async Task A_segment_entity_keeps_every_binary_property_and_the_entity_within_the_service_limits()
    {
        var random = new Random(3);
        var incompressible = Enumerable.Range(0, 1).Select(i =>
        {
            var pad = Convert.ToBase64String(Enumerable.Range(0, 700_000).Select(_ => (byte)random.Next(256)).ToArray());
            return new AuditEvent(System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"big\",\"pad\":\"{pad}\"}}"), "big", DateTimeOffset.UtcNow, i, 0);
        }).ToList();
        var segment = Assert.Single(new SegmentPacker(new IngestOptions().SegmentTargetBytes).Pack(incompressible, []));
        var entity = SegmentEntity.Create("p", "max", segment, DateTimeOffset.UtcNow, "0", 1, 1);
        var binaries = entity.Select(p => p.Value).OfType<byte[]>().ToList();
        Assert.True(binaries.Count > 8, $"expected a segment spread over many chunks, got {binaries.Count}");
        Assert.All(binaries, b => Assert.InRange(b.Length, 1, TableLimits.MaxBinaryPropertyBytes));
        Assert.InRange(binaries.Sum(b => (long)b.Length), 0, TableLimits.MaxEntityBytes - 16 * 1024);

        var table = await CreatedTableAsync();
        await table.AddEntityAsync(entity);
        Assert.Equal(segment.Compressed, SegmentEntity.ReadPayload((await table.GetEntityAsync<TableEntity>("p", "max")).Value));
    }

    [Fact]
    public async Task Transaction_is_atomic_a_conflict_writes_nothing_and_names_the_failing_action()
    {
        var table = await CreatedTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "exists"));
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "new-1")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "exists")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "new-2")),
        ]));
        Assert.Equal(409, error.Status);
        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "new-1")).HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "new-2")).HasValue);
    }

    [Fact]
    public async Task Replace_with_a_stale_etag_fails_with_412_inside_a_transaction_and_alone()
    {
        var table = await CreatedTableAsync();
        var first = (await table.UpsertEntityAsync(new TableEntity("p", "ledger") { ["V"] = 1 })).Headers.ETag!.Value;
        var second = (await table.UpsertEntityAsync(new TableEntity("p", "ledger") { ["V"] = 2 })).Headers.ETag!.Value;
        Assert.NotEqual(first, second);

        var stale = new TableEntity("p", "ledger") { ["V"] = 3 };
        var inTransaction = await Assert.ThrowsAsync<TableTransactionFailedException>(() =>
            table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpdateReplace, stale, first)]));
        Assert.Equal(412, inTransaction.Status);
        var alone = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(stale, first, TableUpdateMode.Replace));
        Assert.Equal(412, alone.Status);

        var responses = await table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "ledger") { ["V"] = 4 }, second)]);
        var read = (await table.GetEntityAsync<TableEntity>("p", "ledger")).Value;
        Assert.Equal(4, read.GetInt32("V"));
        Assert.Equal(responses.Value[0].Headers.ETag, read.ETag);
    }

    [Fact]
    public async Task Transaction_mixing_upsert_and_delete_applies_both()
    {
        var table = await CreatedTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "old"));
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "fresh") { ["V"] = 1 }),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "old"), ETag.All),
        ]);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", "fresh")).HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "old")).HasValue);
    }

    [Fact]
    public async Task Wrong_account_key_is_reported_as_an_authorization_failure()
    {
        await CreatedTableAsync();
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var connection = StorageConnection.FromConnectionString(azurite.ConnectionString.Replace(StorageConnection.DevelopmentAccountKey, wrongKey));
        var table = connection.CreateTableServiceClient(new StorageClientOptions()).GetTableClient(_table.Name);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "r"));
        Assert.Equal(403, error.Status);
    }

    /// <summary>Records the largest request body sent, as the service receives it.</summary>
    private sealed class RequestSizePolicy : HttpPipelineSynchronousPolicy
    {
        public long Largest { get; private set; }

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Content is { } content && content.TryComputeLength(out var length))
            {
                Largest = Math.Max(Largest, length);
            }
        }
    }
}
