using AuditExport.LocalHost;

namespace AuditExport.Tests.Infrastructure;

public static class Samples
{
    /// <summary>The 16 fixture events shipped in samples/, one per line, exactly as in the file.</summary>
    public static IReadOnlyList<string> FixtureEvents { get; } =
        File.ReadAllLines(Path.Combine(RepositoryLayout.SamplesFolder, "uam-and-legacy.jsonl")).Where(l => l.Length > 0).ToList();

    public static string Event(string id, string timestampField = "eventTimestamp", string timestamp = "\"2026-11-20T08:00:00.000Z\"", string extra = "") =>
        $$"""{"id":"{{id}}","action":"QUERY","{{timestampField}}":{{timestamp}}{{extra}}}""";

    /// <summary>Distinct events "{prefix}-0000", "{prefix}-0001", … (with their number as "n"), timestamped just before <c>ExportBench.Start</c>.</summary>
    public static IReadOnlyList<string> Numbered(string prefix, int count, string timestamp = "\"2026-11-22T07:59:00Z\"") =>
        Enumerable.Range(0, count).Select(i => Event($"{prefix}-{i:D4}", timestamp: timestamp, extra: $",\"n\":{i}")).ToList();
}
