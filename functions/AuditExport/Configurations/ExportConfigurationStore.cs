using AuditExport.Storage;
using Azure;
using Azure.Data.Tables;
using AuditExport.Destinations;

namespace AuditExport.Configurations;

/// <summary>
/// Export configurations in one table partition (a few hundred rows at most), with their audited changes
/// (<see cref="ConfigurationChange"/>) in the same partition: every write of a configuration and its change record
/// is one transaction. Writes are conditional on the row's ETag, so concurrent updates cannot silently overwrite
/// each other.
/// </summary>
public sealed class ExportConfigurationStore(TableServiceClient tables, string tableName)
{
    public const string PartitionKey = "configuration";
    private readonly TableClient _rows = tables.GetTableClient(tableName);
    private readonly InitializeOnce _table = new(ct => tables.CreateTableIfNotExistsAsync(tableName, ct));

    public sealed class ConflictException() : Exception("The configuration was changed by someone else.");

    public async Task<ExportConfiguration?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = await _rows.FindAsync(PartitionKey, id.ToString(), cancellationToken: cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<List<ExportConfiguration>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var all = await _rows.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey} and RowKey lt {ConfigurationChange.RowKeyPrefix}"),
            cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        return all.Select(FromEntity).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToList();
    }

    /// <summary>Audited changes, newest first: of one configuration (deleted ones too), or of all.</summary>
    public async Task<List<ConfigurationChange>> ChangesAsync(Guid? configurationId, int top, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var filter = configurationId is { } id
            ? TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey} and RowKey ge {ConfigurationChange.RowKeyPrefix} and ConfigurationId eq {id.ToString()}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey} and RowKey ge {ConfigurationChange.RowKeyPrefix}");
        var changes = new List<ConfigurationChange>();
        await foreach (var row in _rows.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            changes.Add(ConfigurationChange.FromEntity(row));
            if (changes.Count == top)
            {
                break;
            }
        }
        return changes;
    }

    /// <summary>A change record on its own (an action that does not write the configuration, such as export-now).</summary>
    public async Task AppendChangeAsync(ConfigurationChange change, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await _rows.AddEntityAsync(change.ToEntity(PartitionKey), cancellationToken);
    }

    public async Task<ExportConfiguration> InsertAsync(ExportConfiguration configuration, ConfigurationChange change, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        try
        {
            var responses = await SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(configuration)), change, cancellationToken);
            return configuration with { ETag = responses[0].Headers.ETag?.ToString() };
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // The id is new, so the row can only be this insert's own, committed before its answer was lost.
            return await GetAsync(configuration.Id, cancellationToken) ?? throw new InvalidOperationException($"Configuration {configuration.Id} conflicted but cannot be read.", e);
        }
    }

    /// <summary>Replaces the row only if it still has <paramref name="configuration"/>'s ETag; with its change record when there is one.</summary>
    public async Task<ExportConfiguration> ReplaceAsync(ExportConfiguration configuration, ConfigurationChange? change, CancellationToken cancellationToken)
    {
        var etag = new ETag(configuration.ETag ?? throw new ArgumentException("Replacing needs the ETag that was read."));
        try
        {
            var responses = await SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(configuration), etag), change, cancellationToken);
            return configuration with { ETag = responses[0].Headers.ETag?.ToString() };
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            throw new ConflictException();
        }
    }

    public async Task DeleteAsync(ExportConfiguration configuration, ConfigurationChange change, CancellationToken cancellationToken)
    {
        var etag = new ETag(configuration.ETag ?? throw new ArgumentException("Deleting needs the ETag that was read."));
        try
        {
            await SubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(PartitionKey, configuration.Id.ToString()), etag), change, cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            throw new ConflictException();
        }
    }

    private async Task<IReadOnlyList<Response>> SubmitAsync(TableTransactionAction write, ConfigurationChange? change, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction> { write };
        if (change is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, change.ToEntity(PartitionKey)));
        }
        return (await _rows.SubmitTransactionAsync(actions, cancellationToken)).Value;
    }

    private Task EnsureTableAsync(CancellationToken cancellationToken) => _table.EnsureAsync(cancellationToken);

    private static TableEntity ToEntity(ExportConfiguration c)
    {
        var d = c.Destination;
        var entity = new TableEntity(PartitionKey, c.Id.ToString())
        {
            ["Interval"] = c.Interval.ToString(),
            ["Enabled"] = c.Enabled,
            ["Type"] = d.Type.ToString(),
            ["Path"] = d.Path,
            ["ForcePathStyle"] = d.ForcePathStyle,
            ["ConnectionStatus"] = c.ConnectionStatus,
            ["CreatedAt"] = c.CreatedAt,
            ["UpdatedAt"] = c.UpdatedAt,
            ["StartFrom"] = c.StartFrom.ToString(),
        };
        void Optional(string name, string? value)
        {
            if (value is not null)
            {
                entity[name] = value;
            }
        }
        Optional("Bucket", d.Bucket);
        Optional("Region", d.Region);
        Optional("AccessKeyId", d.AccessKeyId);
        Optional("RoleArn", d.RoleArn);
        Optional("StorageAccount", d.StorageAccount);
        Optional("FileSystem", d.FileSystem);
        Optional("Endpoint", d.Endpoint?.AbsoluteUri);
        Optional("ServerSideEncryption", d.ServerSideEncryption);
        Optional("KmsKeyId", d.KmsKeyId);
        if (d.BucketKeyEnabled)
        {
            entity["BucketKeyEnabled"] = true;
        }
        Optional("ProtectedSecret", c.ProtectedSecret);
        Optional("CreatedBy", c.CreatedBy?.Name);
        Optional("CreatedById", c.CreatedBy?.Id);
        Optional("CreatedByAuthType", c.CreatedBy?.AuthType);
        Optional("UpdatedBy", c.UpdatedBy?.Name);
        Optional("UpdatedById", c.UpdatedBy?.Id);
        Optional("UpdatedByAuthType", c.UpdatedBy?.AuthType);
        return entity;
    }

    private static ExportConfiguration FromEntity(TableEntity e)
    {
        var endpoint = e.GetString("Endpoint");
        var destination = new DestinationSettings(
            Enum.Parse<DestinationType>(e.GetString("Type")!),
            e.GetString("Path") ?? "",
            e.GetString("Bucket"),
            e.GetString("Region"),
            e.GetString("AccessKeyId"),
            e.GetString("RoleArn"),
            e.GetString("StorageAccount"),
            e.GetString("FileSystem"),
            endpoint is null ? null : new Uri(endpoint),
            e.GetBoolean("ForcePathStyle") is true,
            e.GetString("ServerSideEncryption"),
            e.GetString("KmsKeyId"),
            e.GetBoolean("BucketKeyEnabled") is true);
        return new ExportConfiguration(
            Guid.Parse(e.RowKey),
            Enum.Parse<ExportInterval>(e.GetString("Interval")!),
            e.GetBoolean("Enabled") is true,
            destination,
            e.GetString("ProtectedSecret"),
            e.GetString("ConnectionStatus") ?? "",
            e.GetDateTimeOffset("CreatedAt") ?? default,
            e.GetDateTimeOffset("UpdatedAt") ?? default,
            e.ETag.ToString(),
            Enum.TryParse<StartFrom>(e.GetString("StartFrom"), out var startFrom) ? startFrom : StartFrom.CREATION_TIME,
            By(e, "CreatedBy"),
            By(e, "UpdatedBy"));
    }

    private static ChangedBy? By(TableEntity e, string prefix) =>
        e.GetString(prefix) is { } name ? new ChangedBy(name, e.GetString(prefix + "Id"), e.GetString(prefix + "AuthType") ?? "") : null;
}
