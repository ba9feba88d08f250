using AuditExport.Storage;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Storage;

/// <summary>The Table REST client against Azurite: every operation the app relies on.</summary>
[Collection(EmulatorsCollection.Name)]
public sealed class TableClientContractTests(EmulatorsFixture azurite)
{
    private readonly AzureTableClient _tables = azurite.TableClient();
    private readonly string _table = EmulatorsFixture.UniqueName("contract");

    private async Task<string> CreatedTableAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(_table, default);
        return _table;
    }

    [Fact]
    public async Task Create_table_is_idempotent()
    {
        await _tables.CreateTableIfNotExistsAsync(_table, default);
        await _tables.CreateTableIfNotExistsAsync(_table, default);
        var page = await _tables.QueryPageAsync(_table, new TableQuery(), null, default);
        Assert.Empty(page.Entities);
    }

    [Fact]
    public async Task Upsert_then_point_read_round_trips_every_property_type()
    {
        var table = await CreatedTableAsync();
        var binary = Enumerable.Range(0, 64 * 1024).Select(i => (byte)i).ToArray();
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
        var etag = await _tables.UpsertEntityAsync(table, entity, default);

        var read = await _tables.GetEntityAsync(table, "2026-11_00", "row-1", default);
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal("héllo 'quoted' ünïcode", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Int"));
        Assert.Equal(9_007_199_254_740_993L, read.GetInt64("Long"));
        Assert.Equal(1.5, read.Properties["Double"]);
        Assert.Equal(true, read.Properties["Flag"]);
        Assert.Equal(when, read.GetDateTime("When"));
        Assert.Equal(guid, read.Properties["Guid"]);
        Assert.Equal(binary, read.GetBinary("Data"));
        Assert.NotNull(read.Timestamp);
    }

    [Theory]
    [InlineData("pk with space", "rk'quote")]
    [InlineData("2026-11:07", "ünïcode-é")]
    public async Task Keys_with_special_characters_can_be_read_and_deleted(string partitionKey, string rowKey)
    {
        var table = await CreatedTableAsync();
        await _tables.UpsertEntityAsync(table, new TableEntity(partitionKey, rowKey) { ["V"] = 1 }, default);
        Assert.NotNull(await _tables.GetEntityAsync(table, partitionKey, rowKey, default));
        await _tables.DeleteEntityAsync(table, partitionKey, rowKey, default);
        Assert.Null(await _tables.GetEntityAsync(table, partitionKey, rowKey, default));
    }

    [Fact]
    public async Task Point_read_of_a_missing_entity_is_null_and_delete_of_it_is_harmless()
    {
        var table = await CreatedTableAsync();
        Assert.Null(await _tables.GetEntityAsync(table, "nope", "nope", default));
        await _tables.DeleteEntityAsync(table, "nope", "nope", default);
    }

    [Fact]
    public async Task Key_range_query_follows_continuation_tokens_to_the_last_entity()
    {
        var table = await CreatedTableAsync();
        for (var batch = 0; batch < 3; batch++)
        {
            var operations = Enumerable.Range(0, 100)
                .Select(i => TableOperation.Insert(new TableEntity("p", $"{batch * 100 + i:D4}") { ["N"] = batch * 100 + i }))
                .ToList();
            await _tables.SubmitTransactionAsync(table, operations, default);
        }

        var pages = 0;
        var keys = new List<string>();
        TableContinuation? continuation = null;
        do
        {
            var page = await _tables.QueryPageAsync(table, new TableQuery("PartitionKey eq 'p' and RowKey ge '0050' and RowKey lt '0270'", Top: 40), continuation, default);
            keys.AddRange(page.Entities.Select(e => e.RowKey));
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null);

        Assert.Equal(Enumerable.Range(50, 220).Select(i => $"{i:D4}"), keys);
        Assert.True(pages >= 6, $"expected the 220 entities over several pages of 40, got {pages} page(s)");

        var all = await _tables.QueryAllAsync(table, new TableQuery(Select: ["N"])).ToListAsync();
        Assert.Equal(300, all.Count);
    }

    [Fact]
    public async Task Transaction_of_100_entities_commits_and_returns_an_etag_for_each()
    {
        var table = await CreatedTableAsync();
        var operations = Enumerable.Range(0, AzureTableClient.MaxTransactionOperations)
            .Select(i => TableOperation.Insert(new TableEntity("p", $"r{i:D3}") { ["N"] = i }))
            .ToList();
        var etags = await _tables.SubmitTransactionAsync(table, operations, default);
        Assert.Equal(100, etags.Count);
        Assert.All(etags, Assert.NotNull);
        Assert.Equal(100, (await _tables.QueryAllAsync(table, new TableQuery()).ToListAsync()).Count);
    }

    [Fact]
    public async Task Transaction_over_the_limits_is_refused_before_it_is_sent()
    {
        var table = await CreatedTableAsync();
        var tooMany = Enumerable.Range(0, 101).Select(i => TableOperation.Insert(new TableEntity("p", $"r{i}"))).ToList();
        var countError = await Assert.ThrowsAsync<ArgumentException>(() => _tables.SubmitTransactionAsync(table, tooMany, default));
        Assert.Contains("100", countError.Message);

        // 5 entities of 14 x 64 KiB binary: 4.4 MiB raw, more on the wire.
        var tooBig = Enumerable.Range(0, 5).Select(i => TableOperation.Insert(BigEntity("p", $"big{i}"))).ToList();
        var sizeError = await Assert.ThrowsAsync<ArgumentException>(() => _tables.SubmitTransactionAsync(table, tooBig, default));
        Assert.Contains("4194304", sizeError.Message);

        Assert.Empty(await _tables.QueryAllAsync(table, new TableQuery()).ToListAsync());
    }

    [Fact]
    public async Task Transaction_close_to_4_MiB_commits_and_reads_back_intact()
    {
        var table = await CreatedTableAsync();
        var entities = Enumerable.Range(0, 3).Select(i => BigEntity("p", $"big{i}")).ToList();
        await _tables.SubmitTransactionAsync(table, entities.Select(TableOperation.Insert).ToList(), default);
        var read = await _tables.GetEntityAsync(table, "p", "big2", default);
        Assert.Equal(entities[2].GetBinary("D13"), read!.GetBinary("D13"));
    }

    [Fact]
    public async Task Transaction_is_atomic_a_conflict_writes_nothing_and_names_the_failing_operation()
    {
        var table = await CreatedTableAsync();
        await _tables.UpsertEntityAsync(table, new TableEntity("p", "exists"), default);
        var operations = new[]
        {
            TableOperation.Insert(new TableEntity("p", "new-1")),
            TableOperation.Insert(new TableEntity("p", "exists")),
            TableOperation.Insert(new TableEntity("p", "new-2")),
        };
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _tables.SubmitTransactionAsync(table, operations, default));
        Assert.Equal(409, error.Status);
        Assert.Equal(1, error.FailedOperationIndex);
        Assert.Null(await _tables.GetEntityAsync(table, "p", "new-1", default));
        Assert.Null(await _tables.GetEntityAsync(table, "p", "new-2", default));
    }

    [Fact]
    public async Task Replace_with_a_stale_etag_fails_with_412_and_with_the_current_one_succeeds()
    {
        var table = await CreatedTableAsync();
        var first = await _tables.UpsertEntityAsync(table, new TableEntity("p", "ledger") { ["V"] = 1 }, default);
        var second = await _tables.UpsertEntityAsync(table, new TableEntity("p", "ledger") { ["V"] = 2 }, default);
        Assert.NotEqual(first, second);

        var stale = new TableEntity("p", "ledger") { ["V"] = 3, ETag = first };
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _tables.SubmitTransactionAsync(table, [TableOperation.Replace(stale)], default));
        Assert.Equal(412, error.Status);

        var current = new TableEntity("p", "ledger") { ["V"] = 4, ETag = second };
        var etags = await _tables.SubmitTransactionAsync(table, [TableOperation.Replace(current)], default);
        Assert.Equal(4, (await _tables.GetEntityAsync(table, "p", "ledger", default))!.GetInt32("V"));
        Assert.Equal(etags[0], (await _tables.GetEntityAsync(table, "p", "ledger", default))!.ETag);
    }

    [Fact]
    public async Task Transaction_mixing_upsert_and_delete_applies_both()
    {
        var table = await CreatedTableAsync();
        await _tables.UpsertEntityAsync(table, new TableEntity("p", "old"), default);
        await _tables.SubmitTransactionAsync(table,
            [TableOperation.Upsert(new TableEntity("p", "fresh") { ["V"] = 1 }), TableOperation.Delete(new TableEntity("p", "old"))], default);
        Assert.NotNull(await _tables.GetEntityAsync(table, "p", "fresh", default));
        Assert.Null(await _tables.GetEntityAsync(table, "p", "old", default));
    }

    [Fact]
    public async Task Entity_over_the_property_limits_is_refused_with_the_reason()
    {
        var table = await CreatedTableAsync();
        var entity = new TableEntity("p", "r") { ["Data"] = new byte[64 * 1024 + 1] };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _tables.UpsertEntityAsync(table, entity, default));
        Assert.Contains("65536", error.Message);
    }

    [Fact]
    public async Task Wrong_account_key_is_reported_as_an_authorization_failure()
    {
        var table = await CreatedTableAsync();
        var wrong = new StorageConnection
        {
            TableEndpoint = azurite.Connection.TableEndpoint,
            BlobEndpoint = azurite.Connection.BlobEndpoint,
            AccountName = StorageConnection.DevelopmentAccountName,
            AccountKey = new byte[64],
        };
        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() => new AzureTableClient(wrong).GetEntityAsync(table, "p", "r", default));
        Assert.Equal(403, error.Status);
    }

    internal static TableEntity BigEntity(string partitionKey, string rowKey)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        var random = new Random(rowKey.GetHashCode());
        for (var i = 0; i < 14; i++)
        {
            var chunk = new byte[64 * 1024];
            random.NextBytes(chunk);
            entity[$"D{i:D2}"] = chunk;
        }
        return entity;
    }
}
