namespace AuditExport.Tests.Infrastructure;

/// <summary>Secret-protection keys for tests (random per run, never real).</summary>
public static class TestKeys
{
    public static readonly string OldKey = "k1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    public static readonly string NewKey = "k2:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static string Current => OldKey;

    /// <summary>The digest signing ring the test handlers start with (an Ed25519 seed).</summary>
    public static readonly string Signing = "s1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>After rotation: the new key encrypts, the old one still decrypts.</summary>
    public static string Rotated => NewKey + ";" + OldKey;
}
