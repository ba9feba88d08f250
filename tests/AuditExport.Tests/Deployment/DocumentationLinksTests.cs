using System.Text.RegularExpressions;
using AuditExport.LocalHost;

namespace AuditExport.Tests.Deployment;

/// <summary>Every relative link in README.md and docs/ reaches a file that exists, and every #anchor a heading of that file.</summary>
public sealed partial class DocumentationLinksTests
{
    public static TheoryData<string> Documents() =>
        [.. new[] { "README.md", "SECURITY.md", "CHANGELOG.md" }.Concat(Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "docs"), "*.md").Select(f => Path.Combine("docs", Path.GetFileName(f))))];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_and_anchor_resolves(string document)
    {
        var path = Path.Combine(RepositoryLayout.Root, document);
        var broken = new List<string>();
        foreach (Match link in Link().Matches(WithoutCode(File.ReadAllText(path))))
        {
            var target = link.Groups["target"].Value;
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            var (file, anchor) = target.Split('#', 2) is [var f, var a] ? (f, a) : (target, null);
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target}: no such file");
            }
            else if (anchor is not null && File.Exists(resolved) && !Anchors(File.ReadAllText(resolved)).Contains(anchor))
            {
                broken.Add($"{target}: no heading #{anchor}");
            }
        }
        Assert.True(broken.Count == 0, $"{document}: " + string.Join("; ", broken));
    }

    [Fact]
    public void The_readme_starts_with_what_it_needs_and_its_two_commands_and_has_a_table_of_contents()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        var firstScreen = readme[..readme.IndexOf("\n## ", StringComparison.Ordinal)];
        Assert.Contains("**What you need**", firstScreen);
        Assert.Contains("scripts/run-local.sh   #", firstScreen);
        Assert.Contains("scripts/test.sh        #", firstScreen);
        Assert.Contains("\n## Contents\n", readme);
        Assert.True(File.Exists(Path.Combine(RepositoryLayout.Root, "LICENSE")));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation but '-' and '_' dropped, spaces as '-'.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        Heading().Matches(WithoutCode(markdown)).Select(m => Punctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-')).ToHashSet();

    private static string WithoutCode(string markdown) => Fence().Replace(markdown, "");

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N} _-]")]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"(?ms)^```.*?^```")]
    private static partial Regex Fence();
}
