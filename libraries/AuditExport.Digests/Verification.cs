namespace AuditExport.Digests;

/// <summary>What <see cref="FolderVerifier"/> can find wrong; each finding names its kind and says what is wrong in words.</summary>
public static class FindingKind
{
    public const string ObjectModified = "object-modified";
    public const string ObjectMissing = "object-missing";
    public const string ObjectExtra = "object-extra";
    public const string DigestModified = "digest-modified";
    public const string DigestMissing = "digest-missing";
    public const string DigestOutOfOrder = "digest-out-of-order";
    public const string WindowGap = "window-gap";
    public const string WindowOverlap = "window-overlap";
    public const string SignatureInvalid = "signature-invalid";
    public const string SignatureMissing = "signature-missing";
    public const string KeyUnknown = "key-unknown";
    public const string ServiceMismatch = "service-mismatch";
}

public sealed record Finding(string Kind, string Text)
{
    public override string ToString() => $"{Kind}: {Text}";
}

/// <summary>One digest's window and what was found wrong with it (nothing: OK).</summary>
public sealed record WindowReport(Guid ConfigurationId, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string JobId, string Digest,
    int Objects, long Records, IReadOnlyList<Finding> Findings)
{
    public bool Ok => Findings.Count == 0;
}

/// <summary>Every window found, in chain order per configuration, and the findings no window owns (extra objects, unreadable digests).</summary>
public sealed record VerificationReport(IReadOnlyList<WindowReport> Windows, IReadOnlyList<Finding> Other)
{
    public bool Ok => Other.Count == 0 && Windows.All(w => w.Ok);

    public IEnumerable<Finding> AllFindings => Windows.SelectMany(w => w.Findings).Concat(Other);
}

/// <summary>A job the service says it delivered (from <c>GET /api/export-configurations/{id}/jobs</c>), for <c>verify --from-api</c>.</summary>
public sealed record DeliveredJob(string JobId, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string Digest, string? DigestSha256);
