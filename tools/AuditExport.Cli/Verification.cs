using System.Text.Json;
using AuditExport.Digests;

namespace AuditExport.Cli;

/// <summary><c>audit-export verify</c>: reads the trusted keys, verifies a local copy with <see cref="FolderVerifier"/>, and prints per window.</summary>
internal static class Verification
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record KeyList(List<PublicSigningKey>? Keys);

    /// <summary>The keys in <c>GET /api/signing-keys</c>'s JSON (a file saved from it, or the answer itself).</summary>
    public static IReadOnlyList<PublicSigningKey> Keys(string json, string source)
    {
        try
        {
            var keys = JsonSerializer.Deserialize<KeyList>(json, Json)?.Keys;
            return keys is { Count: > 0 } && keys.All(k => k.KeyId is not null && k.PublicKey is not null && k.Algorithm is not null)
                ? keys
                : throw new UsageException($"{source} lists no signing keys: it should hold what GET /api/signing-keys answers, {{\"keys\":[{{\"keyId\":…,\"algorithm\":\"Ed25519\",\"publicKey\":…}}]}}.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source} is not JSON: {e.Message.Split(" Path:")[0]}");
        }
    }

    /// <summary>The succeeded jobs with a digest in <c>GET /api/export-configurations/{id}/jobs</c>'s answer.</summary>
    public static IReadOnlyList<DeliveredJob> Delivered(JsonElement jobs) => jobs.EnumerateArray()
        .Where(j => Cli.Text(j, "status") == "SUCCEEDED" && Cli.Text(j, "digest") is not null)
        .Select(j => new DeliveredJob(Cli.Text(j, "id")!, j.GetProperty("windowStart").GetDateTimeOffset(), j.GetProperty("windowEnd").GetDateTimeOffset(),
            Cli.Text(j, "digest")!, Cli.Text(j, "digestSha256")))
        .ToList();

    public static async Task<int> PrintAsync(VerificationReport report, TextWriter output)
    {
        foreach (var window in report.Windows)
        {
            await output.WriteLineAsync($"{(window.Ok ? "OK  " : "FAIL")}  {window.ConfigurationId}  ({window.WindowStart:yyyy-MM-ddTHH:mm:ssZ}, {window.WindowEnd:yyyy-MM-ddTHH:mm:ssZ}]  job {window.JobId}  {window.Objects} objects, {window.Records} records");
            foreach (var finding in window.Findings)
            {
                await output.WriteLineAsync($"      {finding}");
            }
        }
        foreach (var finding in report.Other)
        {
            await output.WriteLineAsync($"FAIL  {finding}");
        }
        var findings = report.AllFindings.Count();
        await output.WriteLineAsync(report.Windows.Count == 0 && findings == 0
            ? "No digest found: is this a copy of a configuration's path (the folder that holds digests/)?"
            : $"{report.Windows.Count} windows, {report.Windows.Count(w => w.Ok)} OK; {findings} findings.");
        return report.Ok && report.Windows.Count > 0 ? ExitCodes.Ok : ExitCodes.VerificationFailed;
    }
}
