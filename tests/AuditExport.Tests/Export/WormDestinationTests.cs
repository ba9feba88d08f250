using System.Collections.Concurrent;
using System.Text.Json;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Export;

/// <summary>
/// A destination that refuses overwrites (Azure immutable storage: 409 BlobImmutableDueToPolicy; an S3 bucket whose
/// policy denies overwrites: 403 AccessDenied), in front of the emulators. A job that failed after writing some of its
/// objects is redone: objects already there and identical are accepted; one that differs fails the job with its name.
/// </summary>
[Collection(EmulatorsCollection.Export)]
public sealed class WormDestinationTests(EmulatorsFixture emulators)
{
    /// <summary>
    /// The WORM stand-in: the first write of a name goes through, any later write of it is refused; and, while
    /// <see cref="FailSignatures"/> is set, a digest signature's write fails (500), so the job fails after its objects and digest are written.
    /// </summary>
    private sealed class Worm(int status, string code)
    {
        private readonly ConcurrentDictionary<string, bool> _written = new();

        public bool FailSignatures { get; set; } = true;

        public int Refused;

        public Fault? Judge(HttpRequest request)
        {
            if (request.Method is not ("PUT" or "POST") || request.Query.ContainsKey("partNumber") || request.Query.ContainsKey("uploadId")
                || request.Query["comp"] == "block")
            {
                return null; // parts and blocks are not the object; its creation or commit is what immutability refuses
            }
            var name = request.Path.Value!;
            if (FailSignatures && name.EndsWith(".json.sig", StringComparison.Ordinal))
            {
                return new Fault(FaultKind.StatusBefore, 500);
            }
            if (!_written.TryAdd(name, true))
            {
                Interlocked.Increment(ref Refused);
                return new Fault(FaultKind.StatusBefore, status, Code: code);
            }
            return null;
        }
    }

    /// <summary>A first attempt that wrote the data object and the digest, then failed on the signature.</summary>
    private static async Task FailOnceAsync(ExportBench bench, string id)
    {
        bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(10));
        await bench.IngestAsync(Samples.Numbered("worm", 40));
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));
        var (_, first) = await bench.ExportNowAsync(id);
        Assert.Equal("FAILED", first.GetProperty("status").GetString());
    }

    /// <summary>An S3 configuration behind the WORM stand-in whose first job failed after writing its object and digest.</summary>
    private sealed record S3Worm(FaultyProxy Proxy, Worm Worm, ExportBench Bench, string Id, string Bucket) : IAsyncDisposable
    {
        public static async Task<S3Worm> FailedOnceAsync(EmulatorsFixture emulators)
        {
            var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
            var worm = new Worm(403, "AccessDenied");
            proxy.RequestFaults = worm.Judge;
            var bench = await ExportBench.StartAsync(emulators);
            var (id, bucket) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
            await FailOnceAsync(bench, id);
            return new S3Worm(proxy, worm, bench, id, bucket);
        }

        public async ValueTask DisposeAsync()
        {
            await Bench.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task S3_a_redo_accepts_what_is_there_when_identical_and_the_chain_verifies()
    {
        await using var setup = await S3Worm.FailedOnceAsync(emulators);
        var (_, worm, bench, id, bucket) = setup;
        worm.FailSignatures = false;

        var (_, redone) = await bench.ExportNowAsync(id);

        Assert.True(redone.GetProperty("status").GetString() == "SUCCEEDED", redone.ToString());
        Assert.Equal(2, worm.Refused); // the data object and the digest were there; both were compared, not rewritten
        Assert.Contains(bench.Handler.Logs, l => l.Contains("it was already there, identical, and the destination refuses overwrites"));
        var copy = await Digests.DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        Assert.Equal(0, (await Digests.DigestCopies.VerifyAsync(bench, copy, "--from-api", id)).Exit);
    }

    [Fact]
    public async Task S3_a_redo_fails_naming_the_object_when_what_is_there_differs()
    {
        await using var setup = await S3Worm.FailedOnceAsync(emulators);
        var (_, worm, bench, id, bucket) = setup;
        var windowEnd = (await bench.JobsAsync(id))[0].GetProperty("windowEnd").GetDateTimeOffset();
        var name = "audit/" + AuditExport.Export.ObjectNaming.RelativeName(Guid.Parse(id), windowEnd, 1);
        using (var s3 = S3Buckets.Client(emulators.S3Endpoint)) // someone else's bytes under the job's name
        {
            await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = name, ContentBody = "not this job's object", UseChunkEncoding = false });
        }
        worm.FailSignatures = false;

        var (_, redone) = await bench.ExportNowAsync(id);

        Assert.Equal("FAILED", redone.GetProperty("status").GetString());
        var reason = redone.GetProperty("failureReason").GetString()!;
        Assert.True(reason.StartsWith($"{name} already exists and cannot be overwritten, and it is not this job's object: it is 21 bytes, this job's is ", StringComparison.Ordinal), reason);
        Assert.Equal(21, (await S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, name))!.Length); // left as it was
    }

    [Fact]
    public async Task Adls_a_redo_accepts_what_is_there_when_identical_and_needs_read_access_to_compare()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.BlobService().Uri);
        var worm = new Worm(409, "BlobImmutableDueToPolicy");
        proxy.RequestFaults = worm.Judge;
        var throughProxy = new Uri(proxy.Endpoint, emulators.BlobService().Uri.AbsolutePath);
        await using var bench = await ExportBench.StartAsync(emulators);
        var (readable, _) = await bench.CreateAdlsConfigurationAsync(endpoint: throughProxy, permissions: "rcw");
        var (writeOnly, _) = await bench.CreateAdlsConfigurationAsync(endpoint: throughProxy, permissions: "cw");
        await FailOnceAsync(bench, readable);
        var (_, other) = await bench.ExportNowAsync(writeOnly);
        Assert.Equal("FAILED", other.GetProperty("status").GetString());
        worm.FailSignatures = false;

        var (_, redone) = await bench.ExportNowAsync(readable);
        var (_, blind) = await bench.ExportNowAsync(writeOnly);

        Assert.True(redone.GetProperty("status").GetString() == "SUCCEEDED", redone.ToString());
        Assert.Equal("FAILED", blind.GetProperty("status").GetString());
        var reason = blind.GetProperty("failureReason").GetString()!;
        // A custom endpoint's own words are not repeated: its status and code are (RetryPolicy).
        Assert.Contains("could not be written (the endpoint answered HTTP 409 (BlobImmutableDueToPolicy))", reason);
        Assert.Contains("and reading it back to compare with this job's content failed (the endpoint answered HTTP 403 (AuthorizationPermissionMismatch))", reason);
        Assert.EndsWith("the exporter needs read access to accept a redo (README: WORM destinations).", reason);
    }
}
