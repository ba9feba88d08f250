namespace AuditExport.Storage;

/// <summary>The narrow slice of the Table service this app uses.</summary>
public interface ITableClient
{
    Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken);

    /// <summary>Point read; null when the entity does not exist.</summary>
    Task<TableEntity?> GetEntityAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken);

    /// <summary>One page of a filtered query; pass the returned continuation to get the next.</summary>
    Task<TableQueryPage> QueryPageAsync(string table, TableQuery query, TableContinuation? continuation, CancellationToken cancellationToken);

    /// <summary>Insert or replace without condition.</summary>
    Task<string?> UpsertEntityAsync(string table, TableEntity entity, CancellationToken cancellationToken);

    Task DeleteEntityAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken);

    /// <summary>
    /// Entity-group transaction: all operations share one PartitionKey and succeed or fail together.
    /// Returns the new ETag of each operation, in order (null for deletes).
    /// </summary>
    Task<IReadOnlyList<string?>> SubmitTransactionAsync(string table, IReadOnlyList<TableOperation> operations, CancellationToken cancellationToken);
}

public sealed record TableQuery(string? Filter = null, int? Top = null, IReadOnlyList<string>? Select = null);

public sealed record TableContinuation(string NextPartitionKey, string? NextRowKey);

public sealed record TableQueryPage(IReadOnlyList<TableEntity> Entities, TableContinuation? Continuation);

public enum TableOperationKind
{
    /// <summary>Fails with 409 when the entity exists.</summary>
    Insert,
    /// <summary>Insert or replace, no condition.</summary>
    Upsert,
    /// <summary>Replace only when the entity's ETag matches (412 otherwise).</summary>
    Replace,
    Delete,
}

public sealed record TableOperation(TableOperationKind Kind, TableEntity Entity)
{
    public static TableOperation Insert(TableEntity entity) => new(TableOperationKind.Insert, entity);
    public static TableOperation Upsert(TableEntity entity) => new(TableOperationKind.Upsert, entity);
    public static TableOperation Replace(TableEntity entity) => new(TableOperationKind.Replace, entity);
    public static TableOperation Delete(TableEntity entity) => new(TableOperationKind.Delete, entity);
}

public static class TableClientExtensions
{
    /// <summary>Every entity matching the query, following continuation tokens.</summary>
    public static async IAsyncEnumerable<TableEntity> QueryAllAsync(
        this ITableClient client, string table, TableQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        TableContinuation? continuation = null;
        do
        {
            var page = await client.QueryPageAsync(table, query, continuation, cancellationToken);
            foreach (var entity in page.Entities)
            {
                yield return entity;
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    /// <summary>OData string literal: single quotes doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
