namespace AuditExport.Cli;

/// <summary>What a script can branch on.</summary>
public static class ExitCodes
{
    /// <summary>Done (a create whose connection test failed is done too: the configuration is stored, and a warning says so).</summary>
    public const int Ok = 0;

    /// <summary>The API refused or failed the request (4xx, 5xx); its reason is printed.</summary>
    public const int ApiError = 1;

    /// <summary>The command line is wrong: unknown verb, missing argument, unreadable file, no URL.</summary>
    public const int Usage = 2;

    /// <summary>The API could not be reached (DNS, connection, TLS, timeout).</summary>
    public const int Unreachable = 3;

    /// <summary>The destination failed: <c>test</c> did not answer SUCCESS, or <c>export-now</c> ran a job that FAILED.</summary>
    public const int DestinationFailed = 4;

    /// <summary><c>verify</c> found something wrong (or nothing to verify): each finding is printed.</summary>
    public const int VerificationFailed = 5;
}
