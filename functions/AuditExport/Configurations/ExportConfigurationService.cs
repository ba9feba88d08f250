using AuditExport.Destinations;
using AuditExport.Storage;
using Microsoft.Extensions.Logging;
using Polly;

namespace AuditExport.Configurations;

public enum ConfigurationOutcome
{
    Done,
    NotFound,
    PreconditionFailed,
}

/// <summary>
/// Creates, changes and tests export configurations. Every create and update tests the connection and
/// stores the configuration whatever the result (an assumed-role trust is often set up after creation).
/// </summary>
public sealed class ExportConfigurationService(
    ExportConfigurationStore store,
    SecretProtector secrets,
    ConnectionTester tester,
    TimeProvider clock,
    ILogger<ExportConfigurationService> logger)
{
    private const int MaxAttemptsWithoutIfMatch = 30;

    /// <summary>What both APIs answer when <see cref="CreateAsync"/> finds the id taken.</summary>
    public static string IdInUse(Guid? id) => $"A configuration with id {id} exists; leave id out for a new one, or update that one.";

    /// <summary>The new configuration, or null when the id the input asks for is already in use.</summary>
    public async Task<ExportConfiguration?> CreateAsync(ConfigurationInput input, ChangedBy by, CancellationToken cancellationToken)
    {
        var id = input.Id ?? Guid.NewGuid();
        if (input.Id is not null && await store.GetAsync(id, cancellationToken) is not null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var status = await tester.TestAsync(id, input.Destination, () => input.Secret, cancellationToken);
        var configuration = new ExportConfiguration(id, input.Interval, input.Enabled ?? true, input.Destination,
            Protect(id, input.Destination, input.Secret), status, now, now, StartFrom: input.StartFrom, CreatedBy: by, UpdatedBy: by);
        var change = ConfigurationChange.Of("create", null, configuration, by, now);
        var created = await store.InsertAsync(configuration, change, cancellationToken);
        if (created.CreatedAt != configuration.CreatedAt || created.ProtectedSecret != configuration.ProtectedSecret)
        {
            return null; // a concurrent create took the chosen id first
        }
        Audited(change);
        return created;
    }

    public Task<List<ConfigurationChange>> ChangesAsync(Guid? id, int top, CancellationToken cancellationToken) => store.ChangesAsync(id, top, cancellationToken);

    /// <summary>Records an action that does not change the configuration itself (export-now).</summary>
    public async Task RecordActionAsync(ExportConfiguration configuration, string action, ChangedBy by, CancellationToken cancellationToken)
    {
        var change = ConfigurationChange.Of(action, configuration, configuration, by, clock.GetUtcNow());
        await store.AppendChangeAsync(change, cancellationToken);
        Audited(change);
    }

    /// <summary>Every audited change is also a structured log event (never a secret: see <see cref="ConfigurationChange.Diff"/>).</summary>
    private void Audited(ConfigurationChange change) =>
        logger.LogInformation("Configuration change: {Action} of {ConfigurationId} by {Caller} ({CallerId}, {AuthType}); changed {Changes}",
            change.Action, change.ConfigurationId, change.By.Name, change.By.Id, change.By.AuthType, System.Text.Json.JsonSerializer.Serialize(change.Changes));

    public Task<ExportConfiguration?> GetAsync(Guid id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    public Task<List<ExportConfiguration>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>
    /// Tests again the configurations whose status is an error, each at most once per <see cref="RecheckInterval"/>
    /// (listing often must not turn into calls to STS), in parallel. Immuta's verification step ("create the trust, then
    /// list and expect SUCCESS") depends on it. Not a change anyone made, so not audited; a status that changes is logged.
    /// </summary>
    public async Task<List<ExportConfiguration>> RecheckFailedAsync(List<ExportConfiguration> configurations, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var due = configurations.Where(c => c.ConnectionStatus != ExportConfiguration.Success && Due(c.Id, now)).ToList();
        var rechecked = new System.Collections.Concurrent.ConcurrentDictionary<Guid, ExportConfiguration>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (tested, ct) =>
        {
            var status = await tester.TestAsync(tested.Id, tested.Destination, () => secrets.SecretOf(tested), ct);
            if (status == tested.ConnectionStatus)
            {
                return;
            }
            // Written only onto the settings that were tested: an update meanwhile has tested its own.
            var (outcome, stored) = await ChangeAsync(tested.Id, null, null, null, current => Task.FromResult(
                current.Destination == tested.Destination && current.ProtectedSecret == tested.ProtectedSecret ? current with { ConnectionStatus = status } : current), ct);
            if (outcome == ConfigurationOutcome.Done && stored is not null)
            {
                logger.LogInformation("Re-tested configuration {ConfigurationId} on list: {Status}", tested.Id, stored.ConnectionStatus);
                rechecked[tested.Id] = stored;
            }
        });
        return configurations.Select(c => rechecked.GetValueOrDefault(c.Id, c)).ToList();
    }

    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, DateTimeOffset> _lastRecheck = new();

    private bool Due(Guid id, DateTimeOffset now)
    {
        var last = _lastRecheck.GetOrAdd(id, DateTimeOffset.MinValue);
        return (last == DateTimeOffset.MinValue || now - last >= RecheckInterval) && _lastRecheck.TryUpdate(id, now, last);
    }

    /// <summary>Replaces the settings; a secret left out keeps the stored one. The type cannot change.</summary>
    public Task<(ConfigurationOutcome, ExportConfiguration?)> UpdateAsync(Guid id, string? ifMatch, ConfigurationInput input, ChangedBy by, CancellationToken cancellationToken) =>
        ChangeAsync(id, ifMatch, "update", by, async current =>
        {
            var status = await tester.TestAsync(id, input.Destination, () => input.Secret ?? secrets.SecretOf(current), cancellationToken);
            return current with
            {
                Interval = input.Interval,
                Enabled = input.Enabled ?? current.Enabled,
                Destination = input.Destination,
                ProtectedSecret = input.Secret is null ? current.ProtectedSecret : Protect(id, input.Destination, input.Secret),
                ConnectionStatus = status,
            };
        }, cancellationToken);

    public Task<(ConfigurationOutcome, ExportConfiguration?)> SetEnabledAsync(Guid id, string? ifMatch, bool enabled, ChangedBy by, CancellationToken cancellationToken) =>
        ChangeAsync(id, ifMatch, enabled ? "enable" : "disable", by, current => Task.FromResult(current with { Enabled = enabled }), cancellationToken);

    public Task<(ConfigurationOutcome, ExportConfiguration?)> TestConnectionAsync(Guid id, ChangedBy by, CancellationToken cancellationToken) =>
        ChangeAsync(id, null, "test-connection", by, async current => current with
        {
            ConnectionStatus = await tester.TestAsync(id, current.Destination, () => secrets.SecretOf(current), cancellationToken),
        }, cancellationToken);

    /// <summary>An export found the destination (in)accessible: the configuration's status says so.</summary>
    public Task RecordConnectionStatusAsync(Guid id, string status, CancellationToken cancellationToken) =>
        ChangeAsync(id, null, null, null, current => Task.FromResult(current with { ConnectionStatus = status }), cancellationToken);

    public async Task<ConfigurationOutcome> DeleteAsync(Guid id, string? ifMatch, ChangedBy by, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(id, cancellationToken);
        if (current is null)
        {
            return ConfigurationOutcome.NotFound;
        }
        if (!Matches(ifMatch, current))
        {
            return ConfigurationOutcome.PreconditionFailed;
        }
        try
        {
            var change = ConfigurationChange.Of("delete", current, null, by, clock.GetUtcNow());
            await store.DeleteAsync(current, change, cancellationToken);
            Audited(change);
            return ConfigurationOutcome.Done;
        }
        catch (ExportConfigurationStore.ConflictException)
        {
            return ifMatch is null ? await DeleteAsync(id, null, by, cancellationToken) : ConfigurationOutcome.PreconditionFailed;
        }
    }

    /// <summary>
    /// Read, change, write back conditionally. With If-Match, a concurrent change fails the request (412);
    /// without it, the change is applied again to the newer version. With an action and a caller, the change is
    /// recorded in the same write; the exporter's own status updates are not audited.
    /// </summary>
    private async Task<(ConfigurationOutcome, ExportConfiguration?)> ChangeAsync(
        Guid id, string? ifMatch, string? action, ChangedBy? by, Func<ExportConfiguration, Task<ExportConfiguration>> change, CancellationToken cancellationToken)
    {
        // Without If-Match the caller wants its change on whatever is current: a write lost to another is redone on a fresh
        // read. With If-Match the caller named the version: losing it is the caller's 412.
        var pipeline = ifMatch is null ? _redoOnConflict : ResiliencePipeline.Empty;
        try
        {
            return await pipeline.ExecuteAsync(async ct =>
            {
                var current = await store.GetAsync(id, ct);
                if (current is null)
                {
                    return (ConfigurationOutcome.NotFound, null);
                }
                if (!Matches(ifMatch, current))
                {
                    return (ConfigurationOutcome.PreconditionFailed, current);
                }
                var changed = await change(current) with { UpdatedAt = clock.GetUtcNow() };
                if (action is not null && by is not null)
                {
                    changed = changed with { UpdatedBy = by };
                }
                var record = action is null || by is null ? null : ConfigurationChange.Of(action, current, changed, by, changed.UpdatedAt);
                var stored = await store.ReplaceAsync(changed, record, ct);
                if (record is not null)
                {
                    Audited(record);
                }
                return (ConfigurationOutcome.Done, (ExportConfiguration?)stored);
            }, cancellationToken);
        }
        catch (ExportConfigurationStore.ConflictException)
        {
            return (ConfigurationOutcome.PreconditionFailed, await store.GetAsync(id, cancellationToken));
        }
    }

    private readonly ResiliencePipeline _redoOnConflict = Retries.OnConcurrentChange(MaxAttemptsWithoutIfMatch,
        e => e is ExportConfigurationStore.ConflictException, (_, _) => { });

    /// <summary>
    /// The rotation step between adding a key and retiring the old one: every stored secret not yet under the current
    /// key (the first of the ring) is decrypted and encrypted again under it, each written only onto the version read.
    /// The place a secret goes is not touched, so nothing is tested or sent. Not audited per configuration (no setting
    /// changes); logged with the counts.
    /// </summary>
    public async Task<ReEncryption> ReEncryptSecretsAsync(CancellationToken cancellationToken)
    {
        int changed = 0, current = 0;
        var unreadable = new List<string>();
        foreach (var configuration in await store.ListAsync(cancellationToken))
        {
            if (configuration.ProtectedSecret is null || configuration.Destination.SecretField is null)
            {
                continue;
            }
            if (SecretProtector.KeyIdOf(configuration.ProtectedSecret) == secrets.CurrentKeyId)
            {
                current++;
                continue;
            }
            string? clear;
            try
            {
                clear = secrets.SecretOf(configuration);
            }
            catch (UnreadableSecretException e)
            {
                unreadable.Add($"{configuration.Id}: {e.Message}");
                continue;
            }
            var (outcome, _) = await ChangeAsync(configuration.Id, configuration.ETag, null, null, latest => Task.FromResult(
                latest with { ProtectedSecret = Protect(latest.Id, latest.Destination, clear) }), cancellationToken);
            if (outcome == ConfigurationOutcome.Done)
            {
                changed++;
            }
            else
            {
                unreadable.Add($"{configuration.Id}: changed while it was re-encrypted; run again");
            }
        }
        logger.LogInformation("Re-encrypted {Changed} stored secrets under key {KeyId}; {Current} were already under it; {Unreadable} could not be", changed, secrets.CurrentKeyId, current, unreadable.Count);
        return new ReEncryption(secrets.CurrentKeyId, changed, current, unreadable);
    }

    private static bool Matches(string? ifMatch, ExportConfiguration current) =>
        ifMatch is null || ifMatch == "*" || ifMatch == current.ETag;

    private string? Protect(Guid id, DestinationSettings destination, string? secret) =>
        secret is null || destination.SecretField is null ? null : secrets.Protect(secret, SecretProtector.Context(id, destination.SecretField));
}

/// <summary>What a re-encryption did: secrets moved to the current key, those already under it, and those it could not read.</summary>
public sealed record ReEncryption(string CurrentKeyId, int ReEncrypted, int AlreadyCurrent, IReadOnlyList<string> Unreadable);
