using AuditExport.Configurations;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;

namespace AuditExport.Hosting;

/// <summary>
/// When the key ring setting was still an unresolved Key Vault reference at start-up, reads the secret itself, with the
/// app's identity, when a request or the health probe needs it (at most every <see cref="KeyVaultAccess.RetryInterval"/>),
/// and hands it to the <see cref="SecretProtector"/>: the app goes on without a restart once the role or the secret is
/// there. App Service resolves the reference on its next restart or refresh anyway; this only closes the gap.
/// </summary>
public sealed class SecretKeysResolver(SecretProtector secrets, KeyVaultAccess access, ILogger<SecretKeysResolver> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long? _lastAttempt; // Stopwatch ticks: the interval is real time, whatever clock the app is given

    /// <summary>True when the keys are usable (now, or after this attempt).</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (secrets.UnavailableReason is null)
        {
            return true;
        }
        if (secrets.PendingReference is not { } reference)
        {
            return false;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (secrets.UnavailableReason is null || (_lastAttempt is { } last && System.Diagnostics.Stopwatch.GetElapsedTime(last) < access.RetryInterval))
            {
                return secrets.UnavailableReason is null;
            }
            _lastAttempt = System.Diagnostics.Stopwatch.GetTimestamp();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(access.AttemptTimeout);
            var client = new SecretClient(reference.VaultUri, access.Credential, access.Options);
            var secret = await client.GetSecretAsync(reference.SecretName, reference.Version, timeout.Token);
            secrets.Resolve(secret.Value.Value);
            logger.LogWarning("Read {Setting} from Key Vault ({Vault}, secret {Secret}) itself: API calls and invocations are accepted again.",
                SecretProtector.SettingName, reference.VaultUri.Host, reference.SecretName);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{Setting} could not be read from Key Vault yet ({Vault}, secret {Secret}): {Reason}",
                SecretProtector.SettingName, reference.VaultUri.Host, reference.SecretName,
                e is OperationCanceledException ? $"no answer within {access.AttemptTimeout.TotalSeconds:0} seconds" : Destinations.RetryPolicy.Describe(e));
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }
}
