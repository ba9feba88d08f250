namespace AuditExport.Storage;

/// <summary>An entity-group transaction was rejected as a whole; names the failing operation.</summary>
public sealed class TableTransactionFailedException(int status, string? errorCode, int? failedIndex, string message)
    : Exception(message)
{
    public int Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;
    public int? FailedOperationIndex { get; } = failedIndex;
}
