using System.Net;
using System.Text.RegularExpressions;

namespace AuditExport.Destinations;

/// <summary>Naming and format rules of AWS and Azure, checked before anything is stored or contacted.</summary>
public static partial class DestinationRules
{
    public const string Aes256 = "AES256";
    public const string AwsKms = "aws:kms";

    /// <summary>S3's server-side encryption values the exporter sends as x-amz-server-side-encryption.</summary>
    public static string? CheckServerSideEncryption(string value) =>
        value is Aes256 or AwsKms ? null : $"must be {Aes256} (SSE-S3) or {AwsKms} (SSE-KMS)";

    /// <summary>A KMS key as S3 takes it: key id, key ARN, alias name or alias ARN (multi-Region keys too).</summary>
    public static string? CheckKmsKeyId(string value) =>
        value.Length <= 2048 && KmsKeyPattern().IsMatch(value) ? null : "must be a KMS key id, key ARN, alias (alias/name) or alias ARN";

    [System.Text.RegularExpressions.GeneratedRegex(
        "^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|alias/[A-Za-z0-9/_-]{1,250})|alias/[A-Za-z0-9/_-]{1,250}|mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial System.Text.RegularExpressions.Regex KmsKeyPattern();

    public const int MaxPathLength = 512;
    public const int MaxSasTokenLength = 2048;
    public const int MaxEndpointLength = 2048;

    /// <summary>S3 general purpose bucket naming rules.</summary>
    public static string? CheckBucket(string bucket)
    {
        if (bucket.Length is < 3 or > 63)
        {
            return "must be 3 to 63 characters long";
        }
        if (!BucketCharacters().IsMatch(bucket))
        {
            return "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit";
        }
        if (bucket.Contains("..") || bucket.Contains(".-") || bucket.Contains("-."))
        {
            return "must not contain two adjacent periods or a period next to a hyphen";
        }
        if (IPAddress.TryParse(bucket, out _))
        {
            return "must not be formatted as an IP address";
        }
        if (bucket.StartsWith("xn--") || bucket.StartsWith("sthree-") || bucket.EndsWith("-s3alias") || bucket.EndsWith("--ol-s3") || bucket.EndsWith(".mrap") || bucket.EndsWith("--x-s3"))
        {
            return "uses a prefix or suffix that S3 reserves";
        }
        return null;
    }

    public static string? CheckRegion(string region) =>
        Region().IsMatch(region) ? null : "must be an AWS region code such as us-east-1, eu-central-1 or us-gov-west-1";

    public static string? CheckRoleArn(string arn) =>
        RoleArn().IsMatch(arn) ? null : "must be an IAM role ARN such as arn:aws:iam::123456789012:role/audit-export";

    public static string? CheckAccessKeyId(string id) =>
        AccessKeyId().IsMatch(id) ? null : "must be 16 to 128 uppercase letters and digits";

    public static string? CheckSecretAccessKey(string secret) =>
        secret.Length is >= 16 and <= 128 && !secret.Any(char.IsWhiteSpace) ? null : "must be 16 to 128 characters without whitespace";

    /// <summary>S3-compatible stores (MinIO, emulators) have their own key formats: only length and whitespace are checked.</summary>
    public static string? CheckCompatibleKey(string key) =>
        key.Length is >= 1 and <= 128 && !key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? null : "must be 1 to 128 characters without whitespace";

    /// <summary>Azure storage account names: 3 to 24 lowercase letters and digits.</summary>
    public static string? CheckStorageAccount(string account) =>
        StorageAccount().IsMatch(account) ? null : "must be 3 to 24 lowercase letters and digits";

    /// <summary>Container (file system) names.</summary>
    public static string? CheckFileSystem(string name)
    {
        if (name.Length is < 3 or > 63 || !ContainerName().IsMatch(name))
        {
            return "must be 3 to 63 lowercase letters, digits and hyphens, beginning and ending with a letter or digit";
        }
        return name.Contains("--") ? "must not contain two consecutive hyphens" : null;
    }

    /// <summary>A SAS token: a query string with version, expiry, signature and create+write permissions, not yet expired.</summary>
    public static string? CheckSasToken(string sas, DateTimeOffset now)
    {
        var query = sas.TrimStart('?');
        if (query.Length > MaxSasTokenLength)
        {
            return $"is {query.Length} characters; a SAS token is at most {MaxSasTokenLength}";
        }
        if (query.Any(char.IsWhiteSpace) || query.Contains("://"))
        {
            return "must be the SAS query string only (sv=...&sp=...&se=...&sig=...), not a URL";
        }
        var fields = SasFields(query);
        var missing = new[] { "sv", "sp", "se", "sig" }.Where(f => !fields.ContainsKey(f) || fields[f].Length == 0).ToList();
        if (missing.Count > 0)
        {
            return $"is missing {string.Join(", ", missing)}: expected a SAS query string such as sv=...&sp=cw&se=...&sig=...";
        }
        if (!fields["sp"].Contains('c') || !fields["sp"].Contains('w'))
        {
            return "must grant create (c) and write (w) permissions";
        }
        if (Expiry(fields) is not { } expiry)
        {
            return "has an expiry (se) that is not a date";
        }
        return expiry <= now ? $"has expired (se={expiry:yyyy-MM-dd'T'HH:mm:ss'Z'} is in the past): create a new SAS token" : null;
    }

    /// <summary>The expiry (se) of a SAS query string, or null when it has none that parses.</summary>
    public static DateTimeOffset? SasExpiry(string sas) => Expiry(SasFields(sas.TrimStart('?')));

    private static DateTimeOffset? Expiry(Dictionary<string, string> fields) =>
        fields.TryGetValue("se", out var se)
        && DateTimeOffset.TryParse(se, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var expiry)
            ? expiry
            : null;

    private static Dictionary<string, string> SasFields(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Length > 1 ? Unescape(g.First()[1]) : "", StringComparer.Ordinal);

    private static string Unescape(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            return value;
        }
    }

    /// <summary>Normalises an object path prefix: no leading, trailing or doubled '/', no '.' or '..', no control characters.</summary>
    public static string? NormalizePath(string? raw, out string path)
    {
        path = "";
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }
        if (raw.Any(IsInvisibleOrControl))
        {
            return "must not contain control, zero-width, bidirectional-override or other invisible formatting characters";
        }
        if (raw.Contains('\\'))
        {
            return "must use '/' to separate folders";
        }
        var segments = raw.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
        {
            return "must not contain '.' or '..' segments";
        }
        if (segments.Any(s => s.Trim().Length == 0))
        {
            return "must not contain blank folder names";
        }
        path = string.Join('/', segments);
        return path.Length > MaxPathLength ? $"must be at most {MaxPathLength} characters" : null;
    }

    /// <summary>
    /// Characters that make an object name look like something it is not: controls, format characters (zero-width
    /// spaces and joiners, bidirectional overrides and isolates, the BOM), and line and paragraph separators.
    /// </summary>
    private static bool IsInvisibleOrControl(char c) => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control
        or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator;

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9.-]*[a-z0-9]\z")]
    private static partial Regex BucketCharacters();

    [GeneratedRegex(@"\A[a-z]{2}(-gov|-iso[a-z]?|-isob)?-[a-z]+-[0-9]{1,2}\z")]
    private static partial Regex Region();

    [GeneratedRegex(@"\Aarn:aws(-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?:iam::[0-9]{12}:role/([A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}\z")]
    private static partial Regex RoleArn();

    [GeneratedRegex(@"\A[A-Z0-9]{16,128}\z")]
    private static partial Regex AccessKeyId();

    [GeneratedRegex(@"\A[a-z0-9]{3,24}\z")]
    private static partial Regex StorageAccount();

    [GeneratedRegex(@"\A[a-z0-9]([a-z0-9-]*[a-z0-9])?\z")]
    private static partial Regex ContainerName();
}
