using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;

namespace AuditExport.Configurations;

/// <summary>Who made a change, as the platform authenticated them.</summary>
public sealed record ChangedBy(string Name, string? Id, string AuthType);

/// <summary>One field's value before and after a change; a secret shows only as "(set)" or "(replaced)".</summary>
public sealed record FieldChange(string Field, string? From, string? To);

/// <summary>
/// An audited change to an export configuration: create, update, delete, enable, disable, test-connection or
/// export-now, who did it and when, and which fields changed. Stored in the configurations table's own partition
/// (RowKey "~change~…", after every configuration id), in the same transaction as the change itself, so no
/// change is stored without its record. Kept after the configuration is deleted.
/// </summary>
public sealed record ConfigurationChange(Guid ConfigurationId, DateTimeOffset At, string Action, ChangedBy By, IReadOnlyList<FieldChange> Changes)
{
    public const string RowKeyPrefix = "~change~";
    public const string Secret = "secret";

    /// <summary>Newest first within the partition, unique even for two changes in the same tick.</summary>
    public string RowKey { get; } = $"{RowKeyPrefix}{DateTimeOffset.MaxValue.UtcTicks - At.UtcTicks:D19}~{Guid.NewGuid():N}";

    public static ConfigurationChange Of(string action, ExportConfiguration? before, ExportConfiguration? after, ChangedBy by, DateTimeOffset at) =>
        new((after ?? before)!.Id, at, action, by, Diff(before, after));

    public static IReadOnlyList<FieldChange> Diff(ExportConfiguration? before, ExportConfiguration? after)
    {
        var a = Fields(before);
        var b = Fields(after);
        var changes = a.Keys.Union(b.Keys)
            .Select(field => new FieldChange(field, a.GetValueOrDefault(field), b.GetValueOrDefault(field)))
            .Where(c => c.From != c.To)
            .ToList();
        if (before?.ProtectedSecret is { } old && after?.ProtectedSecret is { } current && old != current)
        {
            changes.Add(new FieldChange(Secret, "(set)", "(replaced)")); // both read "(set)": only the ciphertext tells
        }
        return changes.OrderBy(c => c.Field, StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, string?> Fields(ExportConfiguration? c)
    {
        if (c is null)
        {
            return [];
        }
        var d = c.Destination;
        var fields = new Dictionary<string, string?>
        {
            ["type"] = d.Type.ToString(), ["interval"] = c.Interval.ToString(), ["enabled"] = c.Enabled ? "true" : "false",
            ["startFrom"] = c.StartFrom.ToString(), ["path"] = d.Path, ["connectionStatus"] = c.ConnectionStatus,
            ["bucket"] = d.Bucket, ["region"] = d.Region, ["accessKeyId"] = d.AccessKeyId, ["roleArn"] = d.RoleArn,
            ["storageAccount"] = d.StorageAccount, ["fileSystem"] = d.FileSystem, ["endpoint"] = d.Endpoint?.AbsoluteUri,
            ["forcePathStyle"] = d.Endpoint is null ? null : d.ForcePathStyle ? "true" : "false",
            ["serverSideEncryption"] = d.ServerSideEncryption, ["kmsKeyId"] = d.KmsKeyId, ["bucketKeyEnabled"] = d.BucketKeyEnabled ? "true" : null,
            [Secret] = c.ProtectedSecret is null ? null : "(set)",
        };
        return fields.Where(f => f.Value is not null).ToDictionary();
    }

    public TableEntity ToEntity(string partitionKey) => new(partitionKey, RowKey)
    {
        ["ConfigurationId"] = ConfigurationId.ToString(),
        ["At"] = At,
        ["Action"] = Action,
        ["Caller"] = By.Name,
        ["CallerId"] = By.Id,
        ["AuthType"] = By.AuthType,
        ["Changes"] = JsonSerializer.Serialize(Changes),
    };

    public static ConfigurationChange FromEntity(TableEntity e) => new(
        Guid.Parse(e.GetString("ConfigurationId")!),
        e.GetDateTimeOffset("At") ?? default,
        e.GetString("Action") ?? "",
        new ChangedBy(e.GetString("Caller") ?? "", e.GetString("CallerId"), e.GetString("AuthType") ?? ""),
        JsonSerializer.Deserialize<List<FieldChange>>(e.GetString("Changes") ?? "[]") ?? []);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Action} of {ConfigurationId} by {By.Name}: {(Changes.Count == 0 ? "no field changed" : string.Join(", ", Changes.Select(c => c.Field)))}");
}
