using System.Text;
using System.Text.Json;

namespace AuditExport.Cli;

/// <summary>The list and jobs answers as aligned columns, for people; --json gives the API's JSON for scripts.</summary>
internal static class Tables
{
    public static string Configurations(JsonElement list) => Render(["ID", "INTERVAL", "ENABLED", "HEALTH", "DESTINATION", "CONNECTION STATUS"],
        list.EnumerateArray().Select(c => new[]
        {
            Cli.Text(c, "id") ?? "", Cli.Text(c, "interval") ?? "", c.TryGetProperty("enabled", out var e) ? (e.GetBoolean() ? "yes" : "no") : "",
            c.TryGetProperty("health", out var h) ? Cli.Text(h, "state") ?? "" : "", Destination(c.GetProperty("endpointConfiguration")),
            Cli.Text(c, "connectionStatus") ?? "",
        }), "No export configurations.");

    public static string Jobs(JsonElement list) => Render(["JOB", "STATUS", "WINDOW END", "RECORDS", "OBJECTS", "ATTEMPTS", "FAILURE"],
        list.EnumerateArray().Select(j => new[]
        {
            Cli.Text(j, "id") ?? "", Cli.Text(j, "status") ?? "", Cli.Text(j, "windowEnd") ?? "", Number(j, "records"), Number(j, "objects"),
            Number(j, "attempts"), Cli.Text(j, "failureReason") ?? "",
        }), "No export jobs yet.");

    private static string Destination(JsonElement endpoint)
    {
        var path = Cli.Text(endpoint, "path") is { Length: > 0 } p ? "/" + p : "";
        return Cli.Text(endpoint, "type") == "AdlsSasToken"
            ? $"adls://{Cli.Text(endpoint, "storageAccount")}/{Cli.Text(endpoint, "fileSystem")}{path}"
            : $"s3://{Cli.Text(endpoint, "bucket")}{path} ({(Cli.Text(endpoint, "type") == "S3AssumedRole" ? "role" : "key")})";
    }

    private static string Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.ToString() : "";

    private static string Render(string[] header, IEnumerable<string[]> rows, string empty)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            return empty;
        }
        all.Insert(0, header);
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
        return text.ToString().TrimEnd();
    }
}
