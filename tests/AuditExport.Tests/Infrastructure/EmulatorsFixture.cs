using AuditExport.LocalHost;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// One Azurite (Table + Blob, in memory) and one s3rver for the test run, from the repo's pinned npm
/// packages. If one cannot start, every test using them fails with the emulator's own output; nothing is skipped.
/// </summary>
public sealed class EmulatorsFixture : IAsyncLifetime
{
    private Emulators? _emulators;

    public string ConnectionString => (_emulators ?? throw new InvalidOperationException("Azurite is not running.")).StorageConnectionString;

    public StorageConnection Connection => StorageConnection.FromConnectionString(ConnectionString);

    public Uri S3Endpoint => (_emulators ?? throw new InvalidOperationException("s3rver is not running.")).S3Endpoint;

    public async Task InitializeAsync() => _emulators = await Emulators.StartAsync(azurite: true, s3: true);

    public async Task DisposeAsync()
    {
        if (_emulators is not null)
        {
            await _emulators.DisposeAsync();
        }
    }

    public TableServiceClient TableService(StorageClientOptions? options = null) => Connection.CreateTableServiceClient(options ?? new StorageClientOptions());

    public BlobServiceClient BlobService(StorageClientOptions? options = null) => Connection.CreateBlobServiceClient(options ?? new StorageClientOptions());

    public async Task<List<TableEntity>> RowsAsync(string table) =>
        await TableService().GetTableClient(table).QueryAsync<TableEntity>().ToListAsync();

    public Task<TableEntity?> RowAsync(string table, string partitionKey, string rowKey) =>
        TableService().GetTableClient(table).FindAsync(partitionKey, rowKey);

    public async Task CreateContainerAsync(string container) => await BlobService().GetBlobContainerClient(container).CreateIfNotExistsAsync();

    /// <summary>A blob's bytes; null when it does not exist.</summary>
    public async Task<byte[]?> ReadBlobAsync(string container, string name)
    {
        var blob = BlobService().GetBlobContainerClient(container).GetBlobClient(name);
        return await blob.ExistsAsync() ? (await blob.DownloadContentAsync()).Value.Content.ToArray() : null;
    }

    /// <summary>Each test works in its own tables and containers.</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}

[CollectionDefinition(Name)]
public sealed class EmulatorsCollection : ICollectionFixture<EmulatorsFixture>
{
    public const string Name = "Emulators";
}
