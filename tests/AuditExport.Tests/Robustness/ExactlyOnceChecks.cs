using System.Net.Http.Json;
using System.Text.Json;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Robustness;

/// <summary>Reads back everything a configuration exported, to compare with what was accepted.</summary>
public static class ExactlyOnceChecks
{
    /// <summary>The id of every exported line, once per line (duplicates stay visible).</summary>
    public static async Task<List<string>> ExportedIdsAsync(HttpClient api, string configurationId, Uri s3Endpoint, string bucket)
    {
        var ids = new List<string>();
        var jobs = await RetryAsync(() => api.GetFromJsonAsync<JsonElement>($"/api/export-configurations/{configurationId}/jobs"));
        foreach (var job in jobs.EnumerateArray().Where(j => j.GetProperty("status").GetString() == "SUCCEEDED"))
        {
            foreach (var name in job.GetProperty("objectNames").EnumerateArray().Select(n => n.GetString()!))
            {
                var bytes = await S3Buckets.ReadBytesAsync(s3Endpoint, bucket, name) ?? throw new InvalidOperationException($"{name} is named by a job but missing");
                foreach (var line in Export.ExportBench.Gunzip(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var doc = JsonDocument.Parse(line);
                    ids.Add(doc.RootElement.GetProperty("id").GetString()!);
                }
            }
        }
        return ids;
    }

    /// <summary>Calls until it succeeds (the API itself may meet injected storage faults), bounded.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, int attempts = 30)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < attempts)
            {
                await Task.Delay(100);
            }
        }
    }

    public static void AssertSameSetExactlyOnce(IReadOnlyCollection<string> accepted, IReadOnlyList<string> exported)
    {
        var duplicates = exported.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"exported more than once: {string.Join(", ", duplicates)}");
        var missing = accepted.Except(exported).Take(5).ToList();
        Assert.True(missing.Count == 0, $"accepted but never exported: {string.Join(", ", missing)} (of {accepted.Count - exported.Count} missing)");
        var extra = exported.Except(accepted).Take(5).ToList();
        Assert.True(extra.Count == 0, $"exported but never accepted: {string.Join(", ", extra)}");
        Assert.Equal(accepted.Count, exported.Count);
    }
}
