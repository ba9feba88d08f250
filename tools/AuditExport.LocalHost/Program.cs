using AuditExport.LocalHost;

// The main job, end to end on this machine (see LocalRun), or the deployable package.
if (args is ["package", ..])
{
    await PackageBuilder.BuildAsync(args.Length > 1 ? args[1] : Path.Combine(RepositoryLayout.Root, ".artifacts", "audit-export.zip"), Console.Out);
    return 0;
}

var serve = args.Contains("--serve");
var files = args.Where(a => a != "--serve").ToArray();
var samples = files.Length > 0 ? files : [Path.Combine(RepositoryLayout.SamplesFolder, "uam-and-legacy.jsonl"), Path.Combine(RepositoryLayout.SamplesFolder, "malformed.jsonl")];

return await LocalRun.RunAsync(samples, serve);
