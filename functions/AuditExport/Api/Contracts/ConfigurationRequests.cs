using AuditExport.Configurations;

namespace AuditExport.Api.Contracts;

// What the create and update routes accept, for the OpenAPI document and the clients generated from it. The body is read
// by ConfigurationRequestReader (one validation path for REST and GraphQL), which names every unknown or invalid field.

/// <summary>An export to S3 with an access key (Immuta's exportConfig.json for create:s3:accessKey, plus ours).</summary>
public sealed record S3AccessKeyConfigurationRequest(
    ExportInterval Interval, string Bucket, string Region, string AccessKeyId, string SecretAccessKey, string? Path = null,
    Guid? Id = null, bool? Enabled = null, StartFrom? StartFrom = null, string? Endpoint = null, bool? ForcePathStyle = null,
    string? ServerSideEncryption = null, string? KmsKeyId = null, bool? BucketKeyEnabled = null);

/// <summary>An export to S3 through an IAM role whose trust policy requires ExternalId = the configuration id.</summary>
public sealed record S3AssumedRoleConfigurationRequest(
    ExportInterval Interval, string Bucket, string Region, string RoleArn, string? Path = null,
    Guid? Id = null, bool? Enabled = null, StartFrom? StartFrom = null, string? Endpoint = null, bool? ForcePathStyle = null,
    string? ServerSideEncryption = null, string? KmsKeyId = null, bool? BucketKeyEnabled = null);

/// <summary>An export to ADLS Gen2 with a container SAS token (create and write).</summary>
public sealed record AdlsSasTokenConfigurationRequest(
    ExportInterval Interval, string StorageAccount, string FileSystem, string SasToken, string? Path = null,
    Guid? Id = null, bool? Enabled = null, StartFrom? StartFrom = null, string? Endpoint = null);

/// <summary>
/// The settings of a configuration of any kind (its kind cannot change): the fields of its create, where the secret
/// may be left out to keep the stored one, unless where it would be sent changes.
/// </summary>
public sealed record UpdateConfigurationRequest(
    ExportInterval Interval, bool? Enabled = null, string? Path = null, string? Endpoint = null,
    string? Bucket = null, string? Region = null, string? AccessKeyId = null, string? SecretAccessKey = null, string? RoleArn = null, bool? ForcePathStyle = null,
    string? StorageAccount = null, string? FileSystem = null, string? SasToken = null,
    string? ServerSideEncryption = null, string? KmsKeyId = null, bool? BucketKeyEnabled = null);

/// <summary>One audited change, newest first (never a secret: a secret shows as "(set)" or "(replaced)").</summary>
public sealed record ConfigurationChangeResponse(
    Guid ConfigurationId, DateTimeOffset At, string Action, string Caller, string? CallerId, string AuthType, IReadOnlyList<FieldChange> Changes);

/// <summary>GraphQL over HTTP, as Immuta's clients send it.</summary>
public sealed record GraphQLRequestBody(string Query, string? OperationName = null, System.Text.Json.Nodes.JsonObject? Variables = null);

/// <summary>An export-now that found nothing to export.</summary>
public sealed record UpToDateResponse(string Status, string? Message);
