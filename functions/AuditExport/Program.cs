using AuditExport.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

WebApplication app;
try
{
    app = HandlerApp.Build(args);
    await app.StartAsync(); // settings are validated here (ValidateOnStart)
}
catch (Exception e) when (SettingsProblems(e) is { } problems)
{
    // A setting is missing or malformed: refuse to start, in one line the host's log shows as it is.
    Console.Error.WriteLine($"The audit export handler cannot start: {problems}");
    return 1;
}
await app.WaitForShutdownAsync();
return 0;

// Several invalid options classes arrive as one AggregateException; its message would repeat "One or more errors".
static string? SettingsProblems(Exception e) => e switch
{
    InvalidOperationException or OptionsValidationException => e.Message,
    AggregateException all when all.InnerExceptions.All(i => i is InvalidOperationException or OptionsValidationException) =>
        string.Join("; ", all.InnerExceptions.Select(i => i.Message)),
    _ => null,
};

public partial class Program;
