namespace AuditExport.Storage;

/// <summary>Table service limits the storage layout is planned around (the service enforces them; we plan below them).</summary>
public static class TableLimits
{
    public const int MaxTransactionOperations = 100;
    public const int MaxTransactionBytes = 4 * 1024 * 1024;
    public const int MaxBinaryPropertyBytes = 64 * 1024;
    public const int MaxEntityBytes = 1024 * 1024;
}
