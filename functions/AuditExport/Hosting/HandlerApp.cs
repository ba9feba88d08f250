using AuditExport.Signing;
using AuditExport.AuditStore;
using AuditExport.Configurations;
using AuditExport.Destinations;
using AuditExport.Export;
using AuditExport.Ingest;
using AuditExport.Observability;
using AuditExport.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AuditExport.Api;
using AuditExport.Api.Rest;
using AuditExport.Api.Security;

namespace AuditExport.Hosting;

/// <summary>
/// The custom handler: an ASP.NET Core app the Functions host starts and calls on 127.0.0.1 at
/// FUNCTIONS_CUSTOMHANDLER_PORT. Non-HTTP triggers arrive as POST /{FunctionName}; HTTP functions are
/// proxied as plain requests under /api.
/// </summary>
public static class HandlerApp
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const int DefaultPort = 7072;
    /// <summary>The most one invocation can carry: larger bodies cannot be parsed (see <see cref="Ingest.SpooledMemory"/>).</summary>
    public const long MaxInvocationBytes = Ingest.SpooledMemory.MaxBytes;

    /// <param name="configure">Test seam: replace services (clock, storage pipeline policies) before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var port = builder.Configuration.GetValue(PortVariable, DefaultPort);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, port); // loopback only: the host is the only caller
            kestrel.Limits.MaxRequestBodySize = MaxInvocationBytes;
        });
        // The host's invocations are half a megabyte each. Kestrel receives into 4 KiB blocks and by default waits for
        // data with a zero-byte read before each: twice the receives. Without it a 732 KB invocation cost 20-35 % less
        // CPU to receive (seven rounds, scripts/benchmark.sh --breakdown's "body read and answered only"); the price is
        // one 4 KiB block held per idle connection, and the host keeps a few.
        builder.WebHost.UseSockets(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.FormatterName = OneLineConsoleFormatter.Name)
            .AddConsoleFormatter<OneLineConsoleFormatter, OneLineConsoleFormatterOptions>();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The host logs a failed start with the first invalid options class only; Program writes every problem in one line.
        // (The category logs nothing else here: the handler runs no hosted services.)
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        // A failed check is answered on /api/health, which probes call every few seconds: logging each (with its stack) is noise.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);

        AddServices(builder.Services, builder.Configuration);
        ApiAuthorization.AddServices(builder.Services, ApiAuthorization.RequiresEntraId(builder.Configuration));
        TelemetrySetup.Add(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseRouting(); // the endpoint is known to the log scope below
        InvocationLogScope.Use(app);
        SecretKeysGate.Use(app);
        app.UseExceptionHandler();
        NoSuchRoute.Use(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/api/openapi.json").RequireAuthorization(ApiPolicies.Reader);
        Api.Rest.ExportConfigurationsApi.Map(app);
        Api.Rest.SecretKeysApi.Map(app);
        Api.Rest.SigningKeysApi.Map(app);
        Api.GraphQL.GraphQLEndpoint.Map(app);
        ExportTimerFunctions.Map(app);
        HealthEndpoint.Map(app);
        app.MapPost($"/{IngestAuditEventsFunction.Name}", IngestAuditEventsFunction.InvokeAsync).ExcludeFromDescription(); // the host's, not the API's
        return app;
    }

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(StorageConnectionSettings.Read(configuration));
        services.AddSingleton<StorageClientOptions>();
        services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateTableServiceClient(sp.GetRequiredService<StorageClientOptions>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateBlobServiceClient(sp.GetRequiredService<StorageClientOptions>()));
        SettingsOptions.Add<AuditTableOptions>(services, configuration, AuditTableOptions.Read, AuditTableOptions.Problems);
        services.AddSingleton<AuditTable>();
        SettingsOptions.Add<IngestOptions>(services, configuration, IngestOptions.Read, IngestOptions.Problems);
        services.AddSingleton<IngestStorageInitializer>();
        services.AddSingleton<QuarantineStore>();
        services.AddSingleton<IngestService>();

        services.AddProblemDetails();
        // The OpenAPI document describes bodies with these options: enums by name, as ApiJson writes them.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            o.SerializerOptions.Encoder = ApiJsonEncoder.Instance; // problem answers read like the rest
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        OpenApiDescription.Add(services);
        services.AddSingleton(new EndpointPolicy(configuration.GetValue(EndpointPolicy.SettingName, false)));
        services.AddSingleton<ConfigurationRequestReader>();
        services.AddSingleton(SecretProtector.FromSetting(configuration[SecretProtector.SettingName])); // read now: a malformed key setting stops the start; an unresolved Key Vault reference is refused per request (SecretKeysGate)
        // The storage identity is the one App Service resolves Key Vault references with (keyVaultReferenceIdentity).
        services.AddSingleton(sp => new KeyVaultAccess(sp.GetRequiredService<StorageConnection>().Credential ?? StorageConnectionSettings.Credential(null, null),
            new Azure.Security.KeyVault.Secrets.SecretClientOptions()));
        services.AddSingleton<SecretKeysResolver>();
        // Read now, as the secret-protection ring: malformed stops the start; an unresolved reference is read from Key Vault when needed.
        var signingKeys = configuration[DigestSigner.SettingName];
        var digests = configuration.GetValue("ExportDigests", true); // the keys are required only while digests are written
        DigestSigner.Check(signingKeys, digests);
        services.AddSingleton(sp => DigestSigner.FromSetting(signingKeys, digests, sp.GetRequiredService<KeyVaultAccess>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DigestSigner>()));
        services.AddSingleton(sp => new ExportConfigurationStore(sp.GetRequiredService<TableServiceClient>(), configuration["ExportConfigurationsTable"] ?? "ExportConfigurations"));
        SettingsOptions.Add<DestinationTimeouts>(services, configuration, DestinationTimeouts.Read, DestinationTimeouts.Problems);
        services.AddSingleton(sp => new S3ClientFactory(configuration[S3ClientFactory.StsEndpointSetting], sp.GetRequiredService<DestinationTimeouts>().Request));
        services.AddSingleton<DestinationGuard>();
        services.AddSingleton<ConnectionTester>();
        services.AddSingleton<ExportConfigurationService>();

        SettingsOptions.Add<ExportOptions>(services, configuration, ExportOptions.Read, ExportOptions.Problems);
        services.AddSingleton<ExportStores>();
        services.AddSingleton<SegmentReader>();
        services.AddSingleton<ExportDestinationFactory>();
        services.AddSingleton<ExportJobPlanner>();
        services.AddSingleton<ExportJobUploader>();
        services.AddSingleton<ExportJobRunner>();
        services.AddSingleton<ScheduledExport>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<ConfigurationResponder>();
        HandlerHealthChecks.Add(services);
        services.AddSingleton<HealthEndpoint>();
        services.AddSingleton<ExportHealthCheck>();
    }
}
