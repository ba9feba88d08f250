using AuditExport.LocalHost;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AuditExport.Tests.Infrastructure;

/// <summary>
/// One Azurite (Table + Blob, in memory) and one s3rver for the test run, from the repo's pinned npm
/// packages, shared by every collection that uses them (tests isolate themselves by table, container and bucket
/// names). If one cannot start, every test using them fails with the emulator's own output; nothing is skipped.
/// </summary>
public sealed class EmulatorsFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Emulators? _shared;
    private static int _users;

    private Emulators? _emulators;

    public string ConnectionString => (_emulators ?? throw new InvalidOperationException("Azurite is not running.")).StorageConnectionString;

    public StorageConnection Connection => StorageConnection.FromConnectionString(ConnectionString);

    public Uri S3Endpoint => (_emulators ?? throw new InvalidOperationException("s3rver is not running.")).S3Endpoint;

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _shared ??= await Emulators.StartAsync(azurite: true, s3: true);
            _users++;
            _emulators = _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The last collection using the emulators stops them.</summary>
    public async Task DisposeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_emulators is not null && --_users == 0 && _shared is { } shared)
            {
                _shared = null;
                await shared.DisposeAsync();
            }
        }
        finally
        {
            Gate.Release();
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

/// <summary>
/// Test collections over the shared emulators. Collections run in parallel with each other (tests within one run one
/// after another), except <see cref="ProcessWide"/>: its tests change or read state the whole process shares (the AWS
/// credential variables the STS stand-in sets, meters and activity sources every handler in the process publishes to),
/// so xunit runs it alone. <see cref="Robustness"/> holds the slow robustness tests (crashes, faults, benchmark
/// smoke), a stage of their own (trait Stage=Robustness) that scripts/test.sh runs after the rest.
/// </summary>
public static class EmulatorsCollection
{
    public const string Api = "Emulators: API and hosting";
    public const string Configurations = "Emulators: configurations";
    public const string Export = "Emulators: export";
    public const string Ingest = "Emulators: ingest";
    public const string StorageAndPackage = "Emulators: storage and package";
    public const string Immuta = "Emulators: Immuta compatibility";
    public const string ProcessWide = "Emulators: process-wide state";
    public const string Robustness = "Emulators: robustness";
    public const string Crashes = "Emulators: robustness, crashes"; // the longest: a collection of their own, beside the rest of the stage

    public const string Stage = "Stage";
    public const string RobustnessStage = "Robustness";
}

[CollectionDefinition(EmulatorsCollection.Api)]
public sealed class ApiCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Configurations)]
public sealed class ConfigurationsCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Export)]
public sealed class ExportCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Ingest)]
public sealed class IngestCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.StorageAndPackage)]
public sealed class StorageAndPackageCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Immuta)]
public sealed class ImmutaCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.ProcessWide, DisableParallelization = true)]
public sealed class ProcessWideCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Robustness)]
public sealed class RobustnessCollection : ICollectionFixture<EmulatorsFixture>;

[CollectionDefinition(EmulatorsCollection.Crashes)]
public sealed class CrashesCollection : ICollectionFixture<EmulatorsFixture>;
