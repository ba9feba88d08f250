using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuditExport.Observability;

/// <summary>
/// OpenTelemetry for the handler: our metrics and spans, the invocations the host sends (ASP.NET Core), and
/// every outgoing call (HttpClient, which both the Azure SDK and the AWS SDK use), with logs correlated to
/// the spans. Exported to Application Insights when its connection string is set, to OTLP when an OTLP
/// endpoint is set, and nowhere otherwise.
/// </summary>
public static class TelemetrySetup
{
    public const string AppInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    /// <summary>"Authorization=AAD;ClientId=…", as the Functions host reads it: publish with that managed identity.</summary>
    public const string AppInsightsAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void Add(WebApplicationBuilder builder)
    {
        // The Azure SDK's own spans (each storage call, with its retries) are opt-in.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var configuration = builder.Configuration;
        var appInsights = configuration[TelemetrySetup.AppInsightsSetting];
        var otlp = configuration[TelemetrySetup.OtlpEndpointSetting];
        var credential = AppInsightsCredential(configuration[TelemetrySetup.AppInsightsAuthenticationSetting]);

        builder.Services.AddSingleton<AuditExportMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("audit-export"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AuditExportMetrics.MeterName);
                if (!string.IsNullOrEmpty(appInsights))
                {
                    metrics.AddAzureMonitorMetricExporter(o => Configure(o, appInsights, credential));
                }
                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(AuditExportMetrics.MeterName, "Azure.*")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrEmpty(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(o => Configure(o, appInsights, credential));
                }
                if (!string.IsNullOrEmpty(otlp))
                {
                    tracing.AddOtlpExporter();
                }
            });
        // Log records carry the trace and span id of the invocation or export job they belong to.
        otel.WithLogging(logging =>
        {
            if (!string.IsNullOrEmpty(appInsights))
            {
                logging.AddAzureMonitorLogExporter(o => Configure(o, appInsights, credential));
            }
            if (!string.IsNullOrEmpty(otlp))
            {
                logging.AddOtlpExporter();
            }
        }, options =>
        {
            options.IncludeFormattedMessage = true;
            options.IncludeScopes = true; // InvocationId and FunctionName (Hosting/InvocationLogScope) become fields of every record
        });
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }

    /// <summary>Entra authentication as the host's own setting asks for it; null (key in the connection string) without it.</summary>
    public static TokenCredential? AppInsightsCredential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }
        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(parts.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{AppInsightsAuthenticationSetting} must say Authorization=AAD (and ClientId=<managed identity client id> for a user-assigned identity).");
        }
        return parts.GetValueOrDefault("ClientId") is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
