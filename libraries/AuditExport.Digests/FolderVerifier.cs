using System.Security.Cryptography;

namespace AuditExport.Digests;

/// <summary>
/// Verifies a local copy of a configuration's path (after <c>aws s3 sync</c> or <c>azcopy copy --recursive</c>) against
/// its digests, with public keys the caller trusts (from the API, never from the copy):
/// every digest's signature; the chain (each digest names its predecessor and that file's SHA-256; windows follow one
/// another without gap or overlap); every listed object's size and SHA-256; and no object that no digest lists.
/// What it cannot see is said in README ("For auditors"): a deleted newest digest with its objects leaves no trace in the
/// copy, which is what <see cref="CompareWithService"/> (the service's own job list) catches.
/// </summary>
public static class FolderVerifier
{
    /// <summary>Written by the connection test under the path; not export content.</summary>
    public const string ConnectionProbe = "audit-export-connection-test.json";

    public static VerificationReport Verify(string root, IReadOnlyList<PublicSigningKey> trustedKeys)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), StringComparer.Ordinal);
        var other = new List<Finding>();
        var digests = new List<(string Path, byte[] Bytes, ExportDigest Digest)>();
        foreach (var path in files.Keys.Where(IsDigest).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(files[path]);
            if (ExportDigest.Parse(bytes, out var problem) is { } digest)
            {
                digests.Add((path, bytes, digest));
            }
            else
            {
                other.Add(new Finding(FindingKind.DigestModified, $"{path} is not a readable digest: {problem}."));
            }
        }
        foreach (var signature in files.Keys.Where(p => p.EndsWith(ExportDigest.FileSuffix + DigestSignature.Suffix, StringComparison.Ordinal) && IsDigest(p[..^DigestSignature.Suffix.Length])))
        {
            if (!files.ContainsKey(signature[..^DigestSignature.Suffix.Length]))
            {
                other.Add(new Finding(FindingKind.DigestMissing, $"{signature[..^DigestSignature.Suffix.Length]} is missing: only its signature is here."));
            }
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        var windows = new List<WindowReport>();
        foreach (var chain in digests.GroupBy(d => d.Digest.ConfigurationId).OrderBy(g => g.Key))
        {
            (string Path, byte[] Bytes, ExportDigest Digest)? previous = null;
            foreach (var current in chain.OrderBy(d => d.Digest.WindowEnd).ThenBy(d => d.Path, StringComparer.Ordinal))
            {
                var (path, bytes, digest) = current;
                var findings = new List<Finding>();
                CheckSignature(path, bytes, digest, files, trustedKeys, findings);
                if (digest.Name != path)
                {
                    findings.Add(new Finding(FindingKind.DigestOutOfOrder,
                        $"{path} holds the digest of the window ending {digest.WindowEnd:O} (job {digest.JobId}), whose place is {digest.Name}."));
                }
                CheckChain(path, digest, previous, files, findings);
                foreach (var item in digest.Objects)
                {
                    listed.Add(item.Name);
                    CheckObject(item, files, findings);
                }
                windows.Add(new WindowReport(digest.ConfigurationId, digest.WindowStart, digest.WindowEnd, digest.JobId, path,
                    digest.Objects.Count, digest.Records, findings));
                previous = current;
            }
        }
        foreach (var path in files.Keys.Order(StringComparer.Ordinal))
        {
            if (!IsDigest(path) && !path.EndsWith(DigestSignature.Suffix, StringComparison.Ordinal) && !listed.Contains(path)
                && path != ConnectionProbe && !path.EndsWith("/" + ConnectionProbe, StringComparison.Ordinal))
            {
                other.Add(new Finding(FindingKind.ObjectExtra, $"{path} is listed in no digest."));
            }
        }
        return new VerificationReport(windows, other);
    }

    /// <summary>
    /// Adds to <paramref name="report"/> what the service's record of <paramref name="delivered"/> jobs (of
    /// <paramref name="configurationId"/>) shows: a digest it wrote that the copy lacks or holds changed, and a window in the
    /// copy, within the span the service listed, that the service never delivered.
    /// </summary>
    public static VerificationReport CompareWithService(VerificationReport report, Guid configurationId, IReadOnlyList<DeliveredJob> delivered, string root)
    {
        var other = report.Other.ToList();
        var windows = report.Windows.Where(w => w.ConfigurationId == configurationId).ToDictionary(w => w.WindowEnd);
        foreach (var job in delivered)
        {
            var local = Path.Combine(root, job.Digest);
            if (!File.Exists(local))
            {
                other.Add(new Finding(FindingKind.ServiceMismatch,
                    $"the service delivered job {job.JobId}, window ({job.WindowStart:O}, {job.WindowEnd:O}], with digest {job.Digest}, which is missing here."));
            }
            else if (job.DigestSha256 is { } expected && Sha256Hex(local) != expected)
            {
                other.Add(new Finding(FindingKind.ServiceMismatch, $"{job.Digest} differs from the digest the service wrote for job {job.JobId}."));
            }
        }
        if (delivered.Count > 0)
        {
            var oldest = delivered.Min(j => j.WindowEnd);
            var known = delivered.Select(j => j.WindowEnd).ToHashSet();
            foreach (var window in windows.Values.Where(w => w.WindowEnd >= oldest && !known.Contains(w.WindowEnd)))
            {
                other.Add(new Finding(FindingKind.ServiceMismatch,
                    $"{window.Digest} (window ending {window.WindowEnd:O}) is not among the jobs the service delivered."));
            }
        }
        return report with { Other = other };
    }

    private static bool IsDigest(string path) =>
        path.StartsWith(ExportDigest.Folder + "/", StringComparison.Ordinal) && path.EndsWith(ExportDigest.FileSuffix, StringComparison.Ordinal)
        && Path.GetFileName(path).StartsWith("digest_", StringComparison.Ordinal);

    private static void CheckSignature(string path, byte[] bytes, ExportDigest digest, Dictionary<string, string> files,
        IReadOnlyList<PublicSigningKey> trustedKeys, List<Finding> findings)
    {
        var signaturePath = DigestSignature.NameFor(path);
        if (!files.TryGetValue(signaturePath, out var signatureFile))
        {
            findings.Add(new Finding(FindingKind.SignatureMissing, $"{signaturePath} is missing."));
            return;
        }
        if (DigestSignature.Parse(File.ReadAllBytes(signatureFile)) is not { } signature)
        {
            findings.Add(new Finding(FindingKind.SignatureInvalid, $"{signaturePath} is not a readable signature."));
            return;
        }
        if (trustedKeys.FirstOrDefault(k => k.KeyId == signature.KeyId) is not { } key)
        {
            findings.Add(new Finding(FindingKind.KeyUnknown,
                $"{path} is signed with key '{signature.KeyId}', which is not among the trusted keys ({string.Join(", ", trustedKeys.Select(k => k.KeyId))})."));
            return;
        }
        if (signature.KeyId != digest.SigningKeyId || !key.Verifies(bytes, signature.Signature))
        {
            findings.Add(new Finding(FindingKind.SignatureInvalid,
                $"the signature of {path} does not verify with key '{signature.KeyId}': the digest or its signature was changed after signing."));
        }
    }

    private static void CheckChain(string path, ExportDigest digest, (string Path, byte[] Bytes, ExportDigest Digest)? previous,
        Dictionary<string, string> files, List<Finding> findings)
    {
        if (digest.Previous is null)
        {
            if (previous is { } before)
            {
                findings.Add(new Finding(FindingKind.DigestOutOfOrder, $"{path} says it is the chain's first, but {before.Path} comes before it."));
            }
            return;
        }
        if (!files.ContainsKey(digest.Previous.Name))
        {
            findings.Add(new Finding(FindingKind.DigestMissing, $"{digest.Previous.Name}, the digest before {path}, is missing."));
        }
        else if (previous is { } prior && prior.Path != digest.Previous.Name)
        {
            findings.Add(new Finding(FindingKind.DigestOutOfOrder, $"{path} follows {digest.Previous.Name}, but {prior.Path} is in that place."));
        }
        if (files.TryGetValue(digest.Previous.Name, out var previousFile) && Sha256Hex(previousFile) != digest.Previous.Sha256)
        {
            findings.Add(new Finding(FindingKind.DigestModified, $"{digest.Previous.Name} changed after {path} recorded its SHA-256."));
        }
        if (previous is { } last)
        {
            if (digest.WindowStart > last.Digest.WindowEnd)
            {
                findings.Add(new Finding(FindingKind.WindowGap,
                    $"no digest covers ({last.Digest.WindowEnd:O}, {digest.WindowStart:O}], between {last.Path} and {path}."));
            }
            else if (digest.WindowStart < last.Digest.WindowEnd)
            {
                findings.Add(new Finding(FindingKind.WindowOverlap,
                    $"{path} starts at {digest.WindowStart:O}, before {last.Path} ends ({last.Digest.WindowEnd:O})."));
            }
        }
    }

    private static void CheckObject(DigestedObject item, Dictionary<string, string> files, List<Finding> findings)
    {
        if (!files.TryGetValue(item.Name, out var file))
        {
            findings.Add(new Finding(FindingKind.ObjectMissing, $"{item.Name} is missing."));
            return;
        }
        var length = new FileInfo(file).Length;
        if (length != item.Bytes)
        {
            findings.Add(new Finding(FindingKind.ObjectModified, $"{item.Name} is {length} bytes; the digest lists {item.Bytes}."));
        }
        else if (Sha256Hex(file) != item.Sha256)
        {
            findings.Add(new Finding(FindingKind.ObjectModified, $"{item.Name} has another SHA-256 than the digest lists."));
        }
    }

    public static string Sha256Hex(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
