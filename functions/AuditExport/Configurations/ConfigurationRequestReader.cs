using System.Text.Json;

namespace AuditExport.Configurations;

/// <summary>
/// Reads a create or update body (Immuta's exportConfig JSON files work as they are) into a
/// <see cref="ConfigurationInput"/>, collecting one message per field that is missing, mistyped,
/// unknown or breaks a naming rule. Nothing is contacted except DNS for a custom endpoint.
/// </summary>
public sealed class ConfigurationRequestReader(EndpointPolicy endpoints)
{
    private static readonly Dictionary<DestinationType, string[]> Fields = new()
    {
        [DestinationType.S3AccessKey] = ["interval", "enabled", "startFrom", "bucket", "path", "region", "accessKeyId", "secretAccessKey", "endpoint", "forcePathStyle"],
        [DestinationType.S3AssumedRole] = ["interval", "enabled", "startFrom", "bucket", "path", "region", "roleArn", "endpoint", "forcePathStyle"],
        [DestinationType.AdlsSasToken] = ["interval", "enabled", "startFrom", "storageAccount", "fileSystem", "path", "sasToken", "endpoint"],
    };

    /// <param name="isUpdate">On update the secret may be left out: the stored one is kept.</param>
    public async Task<ConfigurationInput?> ReadAsync(JsonElement body, DestinationType type, bool isUpdate, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "must be a JSON object");
            return null;
        }
        var allowed = Fields[type];
        foreach (var property in body.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add(property.Name, $"is not a field of a {type} configuration (fields: {string.Join(", ", allowed)})");
            }
        }

        var intervalText = String(body, "interval", required: true, errors);
        var interval = default(ExportInterval);
        if (intervalText is not null && !ExportIntervals.TryParse(intervalText, out interval))
        {
            errors.Add("interval", $"must be one of {string.Join(", ", ExportIntervals.Names)}");
        }
        var enabled = Boolean(body, "enabled", errors);
        var startFromText = String(body, "startFrom", required: false, errors);
        var startFrom = StartFrom.CREATION_TIME;
        if (startFromText is not null && (isUpdate || !Enum.TryParse(startFromText, ignoreCase: false, out startFrom) || !Enum.IsDefined(startFrom)))
        {
            errors.Add("startFrom", isUpdate ? "can be set only when the configuration is created" : $"must be one of {string.Join(", ", Enum.GetNames<StartFrom>())}");
        }
        var pathError = DestinationRules.NormalizePath(String(body, "path", required: false, errors), out var path);
        if (pathError is not null)
        {
            errors.Add("path", pathError);
        }

        Uri? endpoint = null;
        var endpointText = String(body, "endpoint", required: false, errors);
        if (endpointText is not null)
        {
            var endpointError = await endpoints.CheckAsync(endpointText, cancellationToken);
            if (endpointError is null)
            {
                endpoint = new Uri(endpointText);
            }
            else
            {
                errors.Add("endpoint", endpointError);
            }
        }
        var forcePathStyle = Boolean(body, "forcePathStyle", errors) ?? false;

        DestinationSettings destination;
        string? secret = null;
        if (type == DestinationType.AdlsSasToken)
        {
            var account = Checked(body, "storageAccount", DestinationRules.CheckStorageAccount, errors);
            var fileSystem = Checked(body, "fileSystem", DestinationRules.CheckFileSystem, errors);
            secret = Checked(body, "sasToken", DestinationRules.CheckSasToken, errors, required: !isUpdate)?.TrimStart('?');
            destination = new DestinationSettings(type, path, StorageAccount: account, FileSystem: fileSystem, Endpoint: endpoint);
        }
        else
        {
            var bucket = Checked(body, "bucket", DestinationRules.CheckBucket, errors);
            var region = Checked(body, "region", DestinationRules.CheckRegion, errors);
            string? accessKeyId = null, roleArn = null;
            if (type == DestinationType.S3AccessKey)
            {
                var compatible = endpointText is not null;
                accessKeyId = Checked(body, "accessKeyId", compatible ? DestinationRules.CheckCompatibleKey : DestinationRules.CheckAccessKeyId, errors);
                secret = Checked(body, "secretAccessKey", compatible ? DestinationRules.CheckCompatibleKey : DestinationRules.CheckSecretAccessKey, errors, required: !isUpdate);
            }
            else
            {
                roleArn = Checked(body, "roleArn", DestinationRules.CheckRoleArn, errors);
            }
            destination = new DestinationSettings(type, path, bucket, region, accessKeyId, roleArn, Endpoint: endpoint, ForcePathStyle: forcePathStyle);
        }
        return errors.Any ? null : new ConfigurationInput(interval, enabled, destination, secret, startFrom);
    }

    private static string? Checked(JsonElement body, string name, Func<string, string?> rule, ValidationErrors errors, bool required = true)
    {
        var value = String(body, name, required, errors);
        if (value is null)
        {
            return null;
        }
        var error = rule(value);
        if (error is not null)
        {
            errors.Add(name, error);
            return null;
        }
        return value;
    }

    private static string? String(JsonElement body, string name, bool required, ValidationErrors errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(name, "is required");
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(name, $"must be a string, not a JSON {value.ValueKind.ToString().ToLowerInvariant()}");
            return null;
        }
        var text = value.GetString()!;
        if (required && text.Trim().Length == 0)
        {
            errors.Add(name, "must not be empty");
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    private static bool? Boolean(JsonElement body, string name, ValidationErrors errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        errors.Add(name, "must be true or false");
        return null;
    }
}
