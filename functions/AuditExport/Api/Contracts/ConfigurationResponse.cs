using AuditExport.Configurations;
using AuditExport.Export;
using AuditExport.Destinations;
namespace AuditExport.Api.Contracts;

/// <summary>What the API answers for a configuration: everything but the secret.</summary>
public sealed record ConfigurationResponse(
    Guid Id,
    string Interval,
    bool Enabled,
    string ConnectionStatus,
    Dictionary<string, object?> EndpointConfiguration,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("etag")] string? ETag,
    string StartFrom,
    LastExportResponse? LastExport,
    ExportHealth? Health)
{
    public static ConfigurationResponse From(ExportConfiguration c, LastExportResponse? lastExport = null, ExportHealth? health = null)
    {
        var d = c.Destination;
        var endpoint = new Dictionary<string, object?> { ["type"] = d.Type.ToString() };
        if (d.IsS3)
        {
            endpoint["bucket"] = d.Bucket;
            endpoint["path"] = d.Path;
            endpoint["region"] = d.Region;
            if (d.Type == DestinationType.S3AccessKey)
            {
                endpoint["accessKeyId"] = d.AccessKeyId;
            }
            else
            {
                endpoint["roleArn"] = d.RoleArn;
                endpoint["externalId"] = c.ExternalId;
            }
            if (d.Endpoint is not null)
            {
                endpoint["endpoint"] = d.Endpoint.AbsoluteUri;
                endpoint["forcePathStyle"] = d.ForcePathStyle;
            }
            if (d.ServerSideEncryption is not null)
            {
                endpoint["serverSideEncryption"] = d.ServerSideEncryption;
                if (d.KmsKeyId is not null)
                {
                    endpoint["kmsKeyId"] = d.KmsKeyId;
                }
                endpoint["bucketKeyEnabled"] = d.BucketKeyEnabled;
            }
        }
        else
        {
            endpoint["storageAccount"] = d.StorageAccount;
            endpoint["fileSystem"] = d.FileSystem;
            endpoint["path"] = d.Path;
            if (d.Endpoint is not null)
            {
                endpoint["endpoint"] = d.Endpoint.AbsoluteUri;
            }
        }
        return new ConfigurationResponse(c.Id, c.Interval.ToString(), c.Enabled, c.ConnectionStatus, endpoint, c.CreatedAt, c.UpdatedAt, c.ETag,
            c.StartFrom.ToString(), lastExport, health);
    }
}
