namespace AuditExport.Storage;

/// <summary>A storage request answered with an error status; carries the service's error code.</summary>
public sealed class StorageRequestFailedException(int status, string? errorCode, string message)
    : Exception($"{message} (HTTP {status}{(errorCode is null ? "" : ", " + errorCode)})")
{
    public int Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;
}
