namespace AuditExport.Destinations;

public enum DestinationType
{
    S3AccessKey,
    S3AssumedRole,
    AdlsSasToken,
}

/// <summary>
/// Where a configuration exports to, without its secret. S3 types use Bucket, Region and AccessKeyId or
/// RoleArn, and optionally server-side encryption (<see cref="ServerSideEncryption"/>: AES256 or aws:kms, with
/// <see cref="KmsKeyId"/> and <see cref="BucketKeyEnabled"/> for aws:kms); ADLS uses StorageAccount and FileSystem.
/// Path is normalised ("" for the root).
/// </summary>
public sealed record DestinationSettings(
    DestinationType Type,
    string Path,
    string? Bucket = null,
    string? Region = null,
    string? AccessKeyId = null,
    string? RoleArn = null,
    string? StorageAccount = null,
    string? FileSystem = null,
    Uri? Endpoint = null,
    bool ForcePathStyle = false,
    string? ServerSideEncryption = null,
    string? KmsKeyId = null,
    bool BucketKeyEnabled = false)
{
    public bool IsS3 => Type is DestinationType.S3AccessKey or DestinationType.S3AssumedRole;

    /// <summary>The name of the secret field for this type, or null when it has none.</summary>
    public string? SecretField => Type switch
    {
        DestinationType.S3AccessKey => "secretAccessKey",
        DestinationType.AdlsSasToken => "sasToken",
        _ => null,
    };

    /// <summary>The Blob endpoint an ADLS Gen2 account is written through.</summary>
    public Uri AdlsBlobEndpoint => Endpoint ?? new Uri($"https://{StorageAccount}.blob.core.windows.net");

    /// <summary>The destination and auth method, as status messages name them (never a secret).</summary>
    public string Describe() => Type switch
    {
        DestinationType.S3AccessKey => $"S3 bucket {Bucket} using AccessKey {AccessKeyId}",
        DestinationType.S3AssumedRole => $"S3 bucket {Bucket} using AssumedRole {RoleArn}",
        _ => $"ADLS {StorageAccount}/{FileSystem} using SasToken",
    };

    /// <summary>Object name under the configured path.</summary>
    public string ObjectName(string name) => Path.Length == 0 ? name : $"{Path}/{name}";
}
