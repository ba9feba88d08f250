using System.Text.Json;
using AuditExport.Configurations;
using AuditExport.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using AuditExport.Api.Contracts;
using AuditExport.Api.Security;
using AuditExport.Destinations;

namespace AuditExport.Api.Rest;

/// <summary>
/// The export configuration API (HTTP functions proxied by the host as plain requests under /api).
/// Thin: read the request, call <see cref="ExportConfigurationService"/>, shape the answer.
/// Errors are RFC 7807 problem+json, with a message per field for validation failures.
/// </summary>
public static class ExportConfigurationsApi
{
    private const string Route = "/api/export-configurations";

    public static void Map(IEndpointRouteBuilder app)
    {
        // Every route answers 401 without a principal, 403 without the role, 503 when storage cannot be reached.
        var change = app.MapGroup(Route).WithTags("Export configurations").RequireAuthorization(ApiPolicies.Admin).WithCommonProblems();
        var read = app.MapGroup(Route).WithTags("Export configurations").RequireAuthorization(ApiPolicies.Reader).WithCommonProblems();
        Create<S3AccessKeyConfigurationRequest>(change, "/s3-access-key", DestinationType.S3AccessKey, "CreateS3AccessKeyConfiguration", "Create an export to S3 with an access key");
        Create<S3AssumedRoleConfigurationRequest>(change, "/s3-assumed-role", DestinationType.S3AssumedRole, "CreateS3AssumedRoleConfiguration",
            "Create an export to S3 through an assumed IAM role (ExternalId = the configuration id)");
        Create<AdlsSasTokenConfigurationRequest>(change, "/adls-sas-token", DestinationType.AdlsSasToken, "CreateAdlsSasTokenConfiguration", "Create an export to ADLS Gen2 with a SAS token");
        read.MapGet("/", ListAsync).WithName("ListExportConfigurations")
            .WithSummary("Every configuration with its health; ?health=FAILING,LATE lists only those in the states named. " +
                "Configurations whose connectionStatus is an error are tested again first (each at most once a minute); ?verify=false skips that")
            .Produces<List<ConfigurationResponse>>().ProducesProblem(StatusCodes.Status400BadRequest);
        read.MapGet("/{id:guid}", GetAsync).WithName("GetExportConfiguration").Produces<ConfigurationResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        change.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateExportConfiguration").WithSummary("Replace the settings; a secret left out keeps the stored one; If-Match to write only onto a version")
            .WithJsonBody<UpdateConfigurationRequest>().Produces<ConfigurationResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        change.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteExportConfiguration").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        Change(change.MapPost("/{id:guid}/enable", (Guid id, HttpRequest r, ExportConfigurationService s, CancellationToken ct) => SetEnabledAsync(id, true, r, s, ct)).WithName("EnableExportConfiguration"));
        Change(change.MapPost("/{id:guid}/disable", (Guid id, HttpRequest r, ExportConfigurationService s, CancellationToken ct) => SetEnabledAsync(id, false, r, s, ct)).WithName("DisableExportConfiguration"));
        Change(change.MapPost("/{id:guid}/test-connection", TestConnectionAsync).WithName("TestExportConfigurationConnection"));
        change.MapPost("/{id:guid}/export", ExportNowAsync).WithName("ExportNow").WithSummary("Run an export job now; answers the job, or UP_TO_DATE")
            .Produces<ExportJobResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        read.MapGet("/{id:guid}/jobs", JobsAsync).WithName("ListExportJobs").WithSummary("Recent export jobs, newest first, each with every attempt")
            .Produces<List<ExportJobResponse>>().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/configuration-changes", ChangesAsync).RequireAuthorization(ApiPolicies.Reader).WithCommonProblems().WithTags("Export configurations").WithName("ListConfigurationChanges")
            .WithSummary("Audited changes (who, when, what changed; never a secret), newest first; ?configurationId= for one configuration, deleted ones included")
            .Produces<List<ConfigurationChangeResponse>>().ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static void Create<TRequest>(RouteGroupBuilder group, string path, DestinationType type, string name, string summary) =>
        group.MapPost(path, (HttpRequest r, ExportConfigurationService s, ConfigurationRequestReader reader, CancellationToken ct) => CreateAsync(type, r, s, reader, ct))
            .WithName(name).WithSummary(summary)
            .WithJsonBody<TRequest>().Produces<ConfigurationResponse>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static void Change(RouteHandlerBuilder route) =>
        route.Produces<ConfigurationResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private const int MaxChanges = 1000;

    private static async Task<IResult> ChangesAsync(Guid? configurationId, int? top, ExportConfigurationService service, CancellationToken cancellationToken)
    {
        if (top is < 1 or > MaxChanges)
        {
            return Results.Problem(title: "top is out of range.", detail: $"top must be 1 to {MaxChanges}.", statusCode: StatusCodes.Status400BadRequest);
        }
        var changes = await service.ChangesAsync(configurationId, top ?? 100, cancellationToken);
        return Results.Json(changes.Select(c => new ConfigurationChangeResponse(c.ConfigurationId, c.At, c.Action, c.By.Name, c.By.Id, c.By.AuthType, c.Changes)),
            ApiJson.Options);
    }

    private static ChangedBy By(HttpContext context)
    {
        var caller = ApiAuthorization.CallerOf(context);
        return new ChangedBy(caller.Name, caller.Id, caller.AuthType);
    }

    private static async Task<IResult> CreateAsync(DestinationType type, HttpRequest request, ExportConfigurationService service, ConfigurationRequestReader reader, CancellationToken cancellationToken)
    {
        var (input, problem) = await ReadInputAsync(request, type, current: null, reader, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var created = await service.CreateAsync(input!, By(request.HttpContext), cancellationToken);
        if (created is null)
        {
            return Results.Problem(title: "The id is in use.", detail: ExportConfigurationService.IdInUse(input!.Id),
                statusCode: StatusCodes.Status409Conflict);
        }
        return await AnswerAsync(created, request.HttpContext, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(string? health, bool? verify, ExportConfigurationService service, ConfigurationResponder responder, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<HealthState>();
        foreach (var name in (health ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<HealthState>(name, ignoreCase: true, out var state) || !Enum.IsDefined(state) || int.TryParse(name, out _))
            {
                return Results.Problem(title: "health names an unknown state.",
                    detail: $"'{name}' is not one of {string.Join(", ", Enum.GetNames<HealthState>())}; separate several with commas.", statusCode: StatusCodes.Status400BadRequest);
            }
            wanted.Add(state);
        }
        var answers = new List<ConfigurationResponse>();
        var configurations = await service.ListAsync(cancellationToken);
        if (verify ?? true)
        {
            configurations = await service.RecheckFailedAsync(configurations, cancellationToken);
        }
        foreach (var configuration in configurations)
        {
            var answer = await responder.ToResponseAsync(configuration, cancellationToken);
            if (wanted.Count == 0 || wanted.Contains(answer.Health!.State))
            {
                answers.Add(answer);
            }
        }
        return Results.Json(answers, ApiJson.Options);
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext context, ExportConfigurationService service, CancellationToken cancellationToken) =>
        await service.GetAsync(id, cancellationToken) is { } configuration ? await AnswerAsync(configuration, context) : NotFound(id);

    private static async Task<IResult> UpdateAsync(Guid id, HttpRequest request, ExportConfigurationService service, ConfigurationRequestReader reader, CancellationToken cancellationToken)
    {
        var current = await service.GetAsync(id, cancellationToken);
        if (current is null)
        {
            return NotFound(id);
        }
        var (input, problem) = await ReadInputAsync(request, current.Destination.Type, current, reader, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        // The input was checked against this version (a secret left out may not go elsewhere): write only onto it.
        // "*" asks only that a version exists; it must not let the write land on a newer one the check never saw.
        var ifMatch = IfMatch(request) is { } given && given != "*" ? given : current.ETag;
        var (outcome, updated) = await service.UpdateAsync(id, ifMatch, input!, By(request.HttpContext), cancellationToken);
        return await AnswerAsync(outcome, updated, id, request.HttpContext);
    }

    private static async Task<IResult> SetEnabledAsync(Guid id, bool enabled, HttpRequest request, ExportConfigurationService service, CancellationToken cancellationToken)
    {
        var (outcome, configuration) = await service.SetEnabledAsync(id, IfMatch(request), enabled, By(request.HttpContext), cancellationToken);
        return await AnswerAsync(outcome, configuration, id, request.HttpContext);
    }

    private static async Task<IResult> TestConnectionAsync(Guid id, HttpContext context, ExportConfigurationService service, CancellationToken cancellationToken)
    {
        var (outcome, configuration) = await service.TestConnectionAsync(id, By(context), cancellationToken);
        return await AnswerAsync(outcome, configuration, id, context);
    }

    private static async Task<IResult> DeleteAsync(Guid id, HttpRequest request, ExportConfigurationService service, ExportStores stores, CancellationToken cancellationToken)
    {
        var outcome = await service.DeleteAsync(id, IfMatch(request), By(request.HttpContext), cancellationToken);
        if (outcome == ConfigurationOutcome.Done)
        {
            await stores.DeleteStateAsync(id, cancellationToken); // its jobs stay, as a record of what was exported
        }
        return outcome switch
        {
            ConfigurationOutcome.Done => Results.NoContent(),
            ConfigurationOutcome.NotFound => NotFound(id),
            _ => PreconditionFailed(),
        };
    }

    private static async Task<IResult> ExportNowAsync(Guid id, HttpContext context, ExportConfigurationService service, ExportJobRunner runner, ExportOptions options, CancellationToken cancellationToken)
    {
        var configuration = await service.GetAsync(id, cancellationToken);
        if (configuration is null)
        {
            return NotFound(id);
        }
        if (!configuration.Enabled)
        {
            return Results.Problem(title: "The configuration is disabled.", detail: "Enable it before exporting.", statusCode: StatusCodes.Status409Conflict);
        }
        await service.RecordActionAsync(configuration, "export-now", By(context), cancellationToken);
        var result = await runner.RunAsync(configuration, "manual", ExportDeadline.After(options.ExportNowBudget), cancellationToken);
        // The body is the last job; a backlog larger than one call's time budget goes on at the next call or the ExportBacklogs timer.
        context.Response.Headers["X-Export-Jobs"] = result.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["X-More-To-Export"] = result.MoreToExport ? "true" : "false";
        return result.Outcome switch
        {
            ExportRunOutcome.Busy => Results.Problem(title: "An export of this configuration is already running.",
                detail: result.Job is null ? null : $"Job {result.Job.JobId} covers ({result.Job.WindowStart:O}, {result.Job.WindowEnd:O}].", statusCode: StatusCodes.Status409Conflict),
            ExportRunOutcome.UpToDate => Results.Json(new UpToDateResponse("UP_TO_DATE", result.Message), ApiJson.Options),
            _ => Results.Json(ExportJobResponse.From(result.Job!), ApiJson.Options),
        };
    }

    private static async Task<IResult> JobsAsync(Guid id, ExportConfigurationService service, ExportStores stores, CancellationToken cancellationToken)
    {
        if (await service.GetAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        var jobs = await stores.RecentJobsAsync(id, 50, cancellationToken);
        return Results.Json(jobs.Select(ExportJobResponse.From), ApiJson.Options);
    }

    private static async Task<(ConfigurationInput? Input, IResult? Problem)> ReadInputAsync(
        HttpRequest request, DestinationType type, ExportConfiguration? current, ConfigurationRequestReader reader, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem(title: "The request body must be JSON.",
                detail: $"Send Content-Type: application/json (this request said '{request.ContentType ?? "nothing"}').", statusCode: StatusCodes.Status415UnsupportedMediaType));
        }
        if (await BoundedBody.ReadAsync(request, cancellationToken) is not { } body)
        {
            return (null, TooLarge());
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return (null, Results.Problem(title: "The request body is not valid JSON.", detail: JsonErrors.Describe(e),
                statusCode: StatusCodes.Status400BadRequest));
        }
        using (document)
        {
            var errors = new ValidationErrors();
            var input = await reader.ReadAsync(document.RootElement, type, current, errors, cancellationToken);
            return errors.Any
                ? (null, Results.ValidationProblem(errors.ToDictionary(), title: $"The {type} configuration is not valid."))
                : (input, null);
        }
    }

    private static async Task<IResult> AnswerAsync(ConfigurationOutcome outcome, ExportConfiguration? configuration, Guid id, HttpContext context) => outcome switch
    {
        ConfigurationOutcome.Done => await AnswerAsync(configuration!, context),
        ConfigurationOutcome.NotFound => NotFound(id),
        _ => PreconditionFailed(),
    };

    private static async Task<IResult> AnswerAsync(ExportConfiguration configuration, HttpContext context, int status = StatusCodes.Status200OK)
    {
        var responder = context.RequestServices.GetRequiredService<ConfigurationResponder>();
        if (configuration.ETag is not null)
        {
            context.Response.Headers.ETag = configuration.ETag;
        }
        if (status == StatusCodes.Status201Created)
        {
            context.Response.Headers.Location = $"{Route}/{configuration.Id}";
        }
        return Results.Json(await responder.ToResponseAsync(configuration, context.RequestAborted), ApiJson.Options, statusCode: status);
    }

    private static string? IfMatch(HttpRequest request) =>
        request.Headers.IfMatch.Count > 0 ? request.Headers.IfMatch.ToString() : null;

    private static IResult NotFound(Guid id) =>
        Results.Problem(title: "Export configuration not found.", detail: $"There is no export configuration {id}.", statusCode: StatusCodes.Status404NotFound);

    private static IResult PreconditionFailed() =>
        Results.Problem(title: "The configuration has changed.", detail: "If-Match does not match the current ETag; read the configuration again and retry.",
            statusCode: StatusCodes.Status412PreconditionFailed);

    private static IResult TooLarge() =>
        Results.Problem(title: "The request body is too large.", detail: $"A configuration request may be at most {BoundedBody.MaxBytes} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge);
}
