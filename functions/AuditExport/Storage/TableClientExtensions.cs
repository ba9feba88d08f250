using Azure.Data.Tables;

namespace AuditExport.Storage;

public static class TableClientExtensions
{
    /// <summary>Point read: the entity, or null when there is none.</summary>
    public static async Task<TableEntity?> FindAsync(this TableClient table, string partitionKey, string rowKey,
        IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, select, cancellationToken);
        return found.HasValue ? found.Value : null;
    }
}
