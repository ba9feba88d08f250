using AuditExport.Hosting;

var app = HandlerApp.Build(args);
app.Run();

public partial class Program;
