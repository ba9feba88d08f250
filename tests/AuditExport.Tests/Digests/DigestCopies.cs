using Amazon.S3.Model;
using AuditExport.Cli;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Digests;

/// <summary>
/// Local copies of what an export delivered (as <c>aws s3 sync s3://bucket/path folder</c> makes them) and
/// <c>audit-export verify</c> run on them in-process, with the keys fetched from the API as a user would save them.
/// </summary>
public static class DigestCopies
{
    public static async Task<string> SyncS3Async(Uri endpoint, string bucket, string prefix)
    {
        var folder = Directory.CreateTempSubdirectory("audit-copy-").FullName;
        using var s3 = S3Buckets.Client(endpoint);
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix + "/" });
        foreach (var item in listed.S3Objects ?? [])
        {
            var local = Path.Combine(folder, item.Key[(prefix.Length + 1)..]);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            await File.WriteAllBytesAsync(local, (await S3Buckets.ReadBytesAsync(endpoint, bucket, item.Key))!);
        }
        return folder;
    }

    public static async Task<string> SyncBlobsAsync(EmulatorsFixture emulators, string container, string prefix)
    {
        var folder = Directory.CreateTempSubdirectory("audit-copy-").FullName;
        var client = emulators.BlobService().GetBlobContainerClient(container);
        await foreach (var blob in client.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix + "/" }))
        {
            var local = Path.Combine(folder, blob.Name[(prefix.Length + 1)..]);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            await File.WriteAllBytesAsync(local, (await emulators.ReadBlobAsync(container, blob.Name))!);
        }
        return folder;
    }

    /// <summary>A fresh copy of <paramref name="folder"/> to tamper with.</summary>
    public static string Clone(string folder)
    {
        var copy = Directory.CreateTempSubdirectory("audit-tampered-").FullName;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    /// <summary>GET /api/signing-keys saved to a file, as README tells an auditor to keep it.</summary>
    public static async Task<string> SaveKeysAsync(ExportBench bench)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("audit-keys-").FullName, "signing-keys.json");
        await File.WriteAllTextAsync(path, await bench.Http.GetStringAsync("/api/signing-keys"));
        return path;
    }

    public static async Task<(int Exit, string Output, string Error)> VerifyAsync(ExportBench? api, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string>();
        if (api is not null)
        {
            environment[ApiConnection.UrlVariable] = api.Handler.FrontDoor.BaseAddress.AbsoluteUri;
            environment[ApiConnection.KeyVariable] = api.Handler.FrontDoor.FunctionKey;
            environment[ApiConnection.TokenVariable] = api.Handler.FrontDoor.IssueToken(FrontDoor.LocalAdmin);
        }
        environment["HOME"] = Path.GetTempPath();
        var context = new Cli.Cli.Context(output, error, new StringReader(""), name => environment.GetValueOrDefault(name));
        var exit = await Cli.Cli.RunAsync(["verify", .. args], context, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }
}
