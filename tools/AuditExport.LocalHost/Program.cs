using AuditExport.LocalHost;

// The main job, end to end on this machine (see LocalRun), the deployable package, or the ingest measurement.
if (args is ["package", ..])
{
    await PackageBuilder.BuildAsync(args.Length > 1 ? args[1] : Path.Combine(RepositoryLayout.Root, ".artifacts", "audit-export.zip"), Console.Out);
    return 0;
}

if (args is ["measure-ingest", ..])
{
    return await IngestMeasurement.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100_000);
}

var samples = args.Length > 0 ? args : [Path.Combine(RepositoryLayout.SamplesFolder, "uam-and-legacy.jsonl"), Path.Combine(RepositoryLayout.SamplesFolder, "malformed.jsonl")];

return await LocalRun.RunAsync(samples);
