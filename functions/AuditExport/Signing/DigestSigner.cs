using AuditExport.Configurations;
using AuditExport.Digests;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;

namespace AuditExport.Signing;

/// <summary>
/// The digest signing keys (<see cref="SigningKeyRing"/>, setting <c>DigestSigningKeys</c>). Kept like the secret-protection
/// ring: a malformed value stops the start; a Key Vault reference App Service has not resolved yet (first deployment,
/// role not propagated) is read by the handler itself with the app's identity, at most every
/// <see cref="KeyVaultAccess.RetryInterval"/>, when a job or the API needs the keys. Until then jobs fail with the
/// reason and are redone at the next run, with the same window and so the same digest.
/// </summary>
public sealed class DigestSigner
{
    public const string SettingName = SigningKeyRing.SettingName;

    private volatile SigningKeyRing? _ring;
    private readonly KeyVaultReference? _pending;
    private readonly KeyVaultAccess? _access;
    private readonly ILogger? _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long? _lastAttempt;
    private string _unavailable = "";

    public DigestSigner(SigningKeyRing ring) => _ring = ring;

    private DigestSigner() => _unavailable = $"{SigningKeyRing.SettingName} is not set: export digests are off (ExportDigests=false), and no signing keys are published.";

    private DigestSigner(KeyVaultReference pending, KeyVaultAccess access, ILogger logger) =>
        (_pending, _access, _logger, _unavailable) = (pending, access, logger, UnresolvedReason);

    private const string UnresolvedReason = $"{SigningKeyRing.SettingName} is an unresolved Key Vault reference: the platform could not read the secret yet. " +
        "Check that the app's identity has the Key Vault Secrets User role and that the secret exists; the app reads it itself every 30 seconds.";

    /// <summary>
    /// The signer for the setting's value; throws <see cref="InvalidOperationException"/> (the handler does not start) when it
    /// is malformed, or missing while <paramref name="required"/> (digests on).
    /// </summary>
    public static DigestSigner FromSetting(string? value, bool required, KeyVaultAccess access, ILogger logger)
    {
        if (!required && string.IsNullOrWhiteSpace(value))
        {
            return new DigestSigner();
        }
        return value is not null && KeyVaultReference.Parse(value) is { } reference ? new DigestSigner(reference, access, logger) : new DigestSigner(Parse(value));
    }

    /// <summary>False when digests are off and no keys were given: nothing to sign with or publish.</summary>
    public bool Configured => _ring is not null || _pending is not null;

    /// <summary>What <see cref="FromSetting"/> would refuse, refused at start-up (the signer itself is built on first use).</summary>
    public static void Check(string? value, bool required)
    {
        if ((required || !string.IsNullOrWhiteSpace(value)) && (value is null || KeyVaultReference.Parse(value) is null))
        {
            Parse(value);
        }
    }

    private static SigningKeyRing Parse(string? value)
    {
        try
        {
            return SigningKeyRing.Parse(value);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <summary>The keys, reading Key Vault first when the setting was an unresolved reference; throws <see cref="SigningKeysUnavailableException"/> when they cannot be had yet.</summary>
    public async Task<SigningKeyRing> RingAsync(CancellationToken cancellationToken)
    {
        if (_ring is { } ring)
        {
            return ring;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ring is null && _pending is not null && (_lastAttempt is not { } last || System.Diagnostics.Stopwatch.GetElapsedTime(last) >= _access!.RetryInterval))
            {
                _lastAttempt = System.Diagnostics.Stopwatch.GetTimestamp();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_access!.AttemptTimeout);
                try
                {
                    var secret = await new SecretClient(_pending!.VaultUri, _access.Credential, _access.Options).GetSecretAsync(_pending.SecretName, _pending.Version, timeout.Token);
                    _ring = SigningKeyRing.Parse(secret.Value.Value);
                    _logger!.LogWarning("Read {Setting} from Key Vault ({Vault}) itself: export digests are signed again.", SigningKeyRing.SettingName, _pending.VaultUri.Host);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _unavailable = e is FormatException ? $"The Key Vault secret for {SigningKeyRing.SettingName} is malformed: {e.Message}" : UnresolvedReason;
                    _logger!.LogWarning("{Setting} could not be read from Key Vault yet ({Vault}): {Reason}", SigningKeyRing.SettingName, _pending!.VaultUri.Host,
                        e is FormatException ? e.Message : e.GetType().Name);
                }
            }
            return _ring ?? throw new SigningKeysUnavailableException(_unavailable);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The digest signing keys cannot be had yet: the job fails with this reason and is redone.</summary>
public sealed class SigningKeysUnavailableException(string message) : Exception(message);
