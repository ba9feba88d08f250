using System.Diagnostics;
using System.Text.RegularExpressions;
using AuditExport.LocalHost;
using AuditExport.Storage;

namespace AuditExport.Tests.Deployment;

/// <summary>
/// Nothing committed looks like a real credential, so secret scanners and readers never mistake a test value for a leak
/// (an AWS documentation example key slipped back in once after being removed).
/// </summary>
public sealed partial class CommittedCredentialsTests
{
    [GeneratedRegex(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsKeyId();

    [GeneratedRegex(@"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])")]
    private static partial Regex StorageAccountKey();

    [Fact]
    public void No_tracked_file_holds_an_AWS_key_id_or_a_storage_account_key_but_Azurites_published_one()
    {
        var files = TrackedFiles().Where(f => !f.EndsWith("packages.lock.json", StringComparison.Ordinal) && !f.EndsWith("package-lock.json", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} tracked files found");

        var found = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(Path.Combine(RepositoryLayout.Root, file));
            found.AddRange(AwsKeyId().Matches(text).Select(m => $"{file}: {m.Value}"));
            found.AddRange(StorageAccountKey().Matches(text).Where(m => m.Value != StorageConnection.DevelopmentAccountKey).Select(m => $"{file}: {m.Value[..8]}…"));
        }
        Assert.True(found.Count == 0, "credential-shaped values are committed (use made-up values of another shape): " + string.Join(", ", found));
    }

    private static IEnumerable<string> TrackedFiles()
    {
        var info = new ProcessStartInfo("git", ["ls-files", "-z"]) { WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true };
        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, "git ls-files failed: the test needs the repository's git metadata");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(IsText);
    }

    /// <summary>A file on disk, under 5 MB, with no NUL byte in its first 8,000 (git's own test for binary).</summary>
    private static bool IsText(string file)
    {
        var path = Path.Combine(RepositoryLayout.Root, file);
        if (!File.Exists(path) || new FileInfo(path).Length >= 5_000_000)
        {
            return false;
        }
        var bytes = File.ReadAllBytes(path);
        return !bytes.AsSpan(0, Math.Min(8000, bytes.Length)).Contains((byte)0);
    }
}
