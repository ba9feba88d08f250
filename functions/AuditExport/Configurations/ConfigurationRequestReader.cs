using System.Text.Json;
using AuditExport.Destinations;

namespace AuditExport.Configurations;

/// <summary>
/// Reads a create or update body (Immuta's exportConfig JSON files work as they are, and so does a configuration
/// as GET answers it, nested <c>endpointConfiguration</c> and read-only fields included) into a
/// <see cref="ConfigurationInput"/>, collecting one message per field that is missing, mistyped, unknown or
/// breaks a naming rule. Nothing is contacted except DNS for a custom endpoint.
/// </summary>
public sealed class ConfigurationRequestReader(EndpointPolicy endpoints, TimeProvider clock)
{
    private const string Nested = "endpointConfiguration";

    /// <summary>S3's server-side encryption fields (optional; Immuta's files have none and are read as before).</summary>
    private static readonly string[] Encryption = ["serverSideEncryption", "kmsKeyId", "bucketKeyEnabled"];

    private static readonly Dictionary<DestinationType, string[]> Fields = new()
    {
        [DestinationType.S3AccessKey] = ["interval", "enabled", "startFrom", "bucket", "path", "region", "accessKeyId", "secretAccessKey", "endpoint", "forcePathStyle",
            .. Encryption],
        [DestinationType.S3AssumedRole] = ["interval", "enabled", "startFrom", "bucket", "path", "region", "roleArn", "endpoint", "forcePathStyle", .. Encryption],
        [DestinationType.AdlsSasToken] = ["interval", "enabled", "startFrom", "storageAccount", "fileSystem", "path", "sasToken", "endpoint"],
    };

    /// <summary>Fields a GET answer carries that a client cannot set; accepted (and checked where they must agree) so that GET can be PUT back.</summary>
    private static readonly string[] ReadOnly = ["id", "connectionStatus", "createdAt", "updatedAt", "etag", "lastExport", "health", "type", "externalId"];

    /// <param name="current">The stored configuration on update (its secret may be left out and is kept), null on create.</param>
    public async Task<ConfigurationInput?> ReadAsync(JsonElement body, DestinationType type, ExportConfiguration? current, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var isUpdate = current is not null;
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "must be a JSON object");
            return null;
        }
        var fields = Flatten(body, errors);
        if (fields is null)
        {
            return null;
        }
        var allowed = Fields[type];
        foreach (var name in fields.Keys)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal) && !ReadOnly.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(name, $"is not a field of {type} configurations (fields: {string.Join(", ", allowed)})");
            }
        }
        var chosenId = CheckReadOnly(fields, type, current, errors);

        var intervalText = String(fields, "interval", required: true, errors);
        var interval = default(ExportInterval);
        if (intervalText is not null && !ExportIntervals.TryParse(intervalText, out interval))
        {
            errors.Add("interval", $"must be one of {string.Join(", ", ExportIntervals.Names)}");
        }
        var enabled = Boolean(fields, "enabled", errors);
        var startFrom = ReadStartFrom(fields, current, errors);
        var pathError = DestinationRules.NormalizePath(String(fields, "path", required: false, errors), out var path);
        if (pathError is not null)
        {
            errors.Add("path", pathError);
        }

        Uri? endpoint = null;
        var endpointText = String(fields, "endpoint", required: false, errors);
        if (endpointText is not null)
        {
            var endpointError = endpointText.Length > DestinationRules.MaxEndpointLength
                ? $"must be at most {DestinationRules.MaxEndpointLength} characters"
                : await endpoints.CheckAsync(endpointText, cancellationToken);
            if (endpointError is null)
            {
                endpoint = new Uri(endpointText);
            }
            else
            {
                errors.Add("endpoint", endpointError);
            }
        }
        var forcePathStyle = Boolean(fields, "forcePathStyle", errors) ?? false;

        DestinationSettings destination;
        string? secret = null;
        if (type == DestinationType.AdlsSasToken)
        {
            var account = Checked(fields, "storageAccount", DestinationRules.CheckStorageAccount, errors);
            var fileSystem = Checked(fields, "fileSystem", DestinationRules.CheckFileSystem, errors);
            var now = clock.GetUtcNow();
            secret = Checked(fields, "sasToken", sas => DestinationRules.CheckSasToken(sas, now), errors, required: !isUpdate)?.TrimStart('?');
            destination = new DestinationSettings(type, path, StorageAccount: account, FileSystem: fileSystem, Endpoint: endpoint);
        }
        else
        {
            var bucket = Checked(fields, "bucket", DestinationRules.CheckBucket, errors);
            var region = Checked(fields, "region", DestinationRules.CheckRegion, errors);
            string? accessKeyId = null, roleArn = null;
            if (type == DestinationType.S3AccessKey)
            {
                var compatible = endpointText is not null;
                accessKeyId = Checked(fields, "accessKeyId", compatible ? DestinationRules.CheckCompatibleKey : DestinationRules.CheckAccessKeyId, errors);
                secret = Checked(fields, "secretAccessKey", compatible ? DestinationRules.CheckCompatibleKey : DestinationRules.CheckSecretAccessKey, errors, required: !isUpdate);
            }
            else
            {
                roleArn = Checked(fields, "roleArn", DestinationRules.CheckRoleArn, errors);
            }
            var (sse, kmsKeyId, bucketKey) = ReadEncryption(fields, errors);
            destination = new DestinationSettings(type, path, bucket, region, accessKeyId, roleArn, Endpoint: endpoint, ForcePathStyle: forcePathStyle,
                ServerSideEncryption: sse, KmsKeyId: kmsKeyId, BucketKeyEnabled: bucketKey);
        }
        if (current is not null && secret is null && !errors.Any && destination.SecretField is { } secretField
            && SecretTarget.Changes(current.Destination, destination) is { Count: > 0 } changed)
        {
            errors.Add(secretField, $"is required when {string.Join(", ", changed)} changes: a stored secret is only ever sent to the place it was given for");
        }
        return errors.Any ? null : new ConfigurationInput(interval, enabled, destination, secret, startFrom) { Id = chosenId };
    }

    /// <summary>S3 server-side encryption: a KMS key and the bucket key belong to aws:kms only.</summary>
    private static (string? Sse, string? KmsKeyId, bool BucketKey) ReadEncryption(Dictionary<string, JsonElement> fields, ValidationErrors errors)
    {
        var sse = Checked(fields, "serverSideEncryption", DestinationRules.CheckServerSideEncryption, errors, required: false);
        var kmsKeyId = Checked(fields, "kmsKeyId", DestinationRules.CheckKmsKeyId, errors, required: false);
        var bucketKey = Boolean(fields, "bucketKeyEnabled", errors);
        if (kmsKeyId is not null && sse != DestinationRules.AwsKms)
        {
            errors.Add("kmsKeyId", $"needs serverSideEncryption {DestinationRules.AwsKms}");
        }
        if (bucketKey is true && sse != DestinationRules.AwsKms)
        {
            errors.Add("bucketKeyEnabled", $"needs serverSideEncryption {DestinationRules.AwsKms}");
        }
        return (sse, kmsKeyId, bucketKey ?? false);
    }

    /// <summary>
    /// The body's fields, with those of a nested endpointConfiguration (as GET answers) lifted to the top.
    /// Null, with the reason, when a name is not valid Unicode or a field is given twice.
    /// </summary>
    private static Dictionary<string, JsonElement>? Flatten(JsonElement body, ValidationErrors errors)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        bool Collect(JsonElement obj, string where)
        {
            foreach (var property in obj.EnumerateObject())
            {
                string name;
                try
                {
                    name = property.Name;
                }
                catch (InvalidOperationException)
                {
                    errors.Add(where, "has a field name that is not valid Unicode (a lone surrogate escape such as \\ud800)");
                    return false;
                }
                if (name == Nested && where == "body" && property.Value.ValueKind == JsonValueKind.Object)
                {
                    if (!Collect(property.Value, Nested))
                    {
                        return false;
                    }
                }
                else if (!fields.TryAdd(name, property.Value))
                {
                    errors.Add(name, where == Nested ? $"is given both at the top and in {Nested}" : "is given more than once");
                }
            }
            return true;
        }
        return Collect(body, "body") && !errors.Any ? fields : null;
    }

    /// <summary>Checks the fields the service owns; returns the id a create asks for (to keep an ExternalId that a role already trusts).</summary>
    private static Guid? CheckReadOnly(Dictionary<string, JsonElement> fields, DestinationType type, ExportConfiguration? current, ValidationErrors errors)
    {
        // null is "left out", as for every optional field (and as a client generated from the OpenAPI document sends it)
        foreach (var name in new[] { "type", "id", "externalId" }.Where(n => fields.TryGetValue(n, out var value) && value.ValueKind == JsonValueKind.Null))
        {
            fields.Remove(name);
        }
        if (fields.TryGetValue("type", out var given) && (given.ValueKind != JsonValueKind.String || given.GetString() != type.ToString()))
        {
            errors.Add("type", $"is {type} for this {(current is null ? "route" : "configuration")}; the type cannot change");
        }
        Guid? chosen = null;
        var id = current?.Id.ToString();
        if (fields.TryGetValue("id", out var givenId))
        {
            if (current is null)
            {
                if (givenId.ValueKind == JsonValueKind.String && Guid.TryParseExact(givenId.GetString(), "D", out var parsed) && parsed != Guid.Empty)
                {
                    chosen = parsed;
                    id = parsed.ToString();
                }
                else
                {
                    errors.Add("id", "must be a UUID such as 0b6c5b7e-56a3-4f0e-9a53-1f9f7b1c2d3e (to keep the ExternalId a role already trusts), or left out");
                }
            }
            else if (givenId.ValueKind != JsonValueKind.String || !string.Equals(givenId.GetString(), id, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("id", $"must be {id}, the configuration's own id");
            }
        }
        if (fields.TryGetValue("externalId", out var externalId) && (id is null || externalId.ValueKind != JsonValueKind.String || !string.Equals(externalId.GetString(), id, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add("externalId", "is the configuration id and cannot be set apart from it");
        }
        return chosen;
    }

    private static StartFrom ReadStartFrom(Dictionary<string, JsonElement> fields, ExportConfiguration? current, ValidationErrors errors)
    {
        var text = String(fields, "startFrom", required: false, errors);
        if (text is null)
        {
            return current?.StartFrom ?? StartFrom.CREATION_TIME;
        }
        if (!Enum.TryParse<StartFrom>(text, ignoreCase: false, out var startFrom) || !Enum.IsDefined(startFrom) || !Enum.GetNames<StartFrom>().Contains(text))
        {
            errors.Add("startFrom", $"must be one of {string.Join(", ", Enum.GetNames<StartFrom>())}");
        }
        else if (current is not null && startFrom != current.StartFrom)
        {
            errors.Add("startFrom", $"can be set only when the configuration is created (it is {current.StartFrom})");
        }
        return startFrom;
    }

    private static string? Checked(Dictionary<string, JsonElement> body, string name, Func<string, string?> rule, ValidationErrors errors, bool required = true)
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

    private static string? String(Dictionary<string, JsonElement> body, string name, bool required, ValidationErrors errors)
    {
        if (!body.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            errors.Add(name, "is not valid Unicode (a lone surrogate escape such as \\ud800)");
            return null;
        }
        if (required && text.Trim().Length == 0)
        {
            errors.Add(name, "must not be empty");
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    private static bool? Boolean(Dictionary<string, JsonElement> body, string name, ValidationErrors errors)
    {
        if (!body.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
