using AuditExport.Configurations;
using AuditExport.Api.Contracts;
using AuditExport.Export;

namespace AuditExport.Api.Rest;

/// <summary>Builds the API's answer for a configuration, with its last export and health from the export state.</summary>
public sealed class ConfigurationResponder(ExportStores stores, ExportOptions options, TimeProvider clock)
{
    public async Task<ConfigurationResponse> ToResponseAsync(ExportConfiguration configuration, CancellationToken cancellationToken)
    {
        var state = await stores.GetStateAsync(configuration.Id, cancellationToken);
        var now = clock.GetUtcNow();
        return ConfigurationResponse.From(configuration, state is null ? null : LastExportResponse.From(state, now),
            ExportHealth.Judge(configuration, state, options.SafetyLag, now));
    }
}
