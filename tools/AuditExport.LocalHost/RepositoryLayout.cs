namespace AuditExport.LocalHost;

/// <summary>Finds the repository (the folder holding AuditExport.slnx) and paths inside it.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string EmulatorsFolder => Path.Combine(Root, "emulators");
    public static string SamplesFolder => Path.Combine(Root, "samples");

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AuditExport.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (AuditExport.slnx) above " + AppContext.BaseDirectory);
    }
}
