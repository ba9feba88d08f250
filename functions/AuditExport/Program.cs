using AuditExport.Hosting;

Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    app = HandlerApp.Build(args);
}
catch (InvalidOperationException e)
{
    // A setting is missing or malformed: refuse to start, in one line the host's log shows as it is.
    Console.Error.WriteLine($"The audit export handler cannot start: {e.Message}");
    return 1;
}
app.Run();
return 0;

public partial class Program;
