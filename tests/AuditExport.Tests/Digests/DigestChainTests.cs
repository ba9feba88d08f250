using System.Text;
using System.Text.Json;
using AuditExport.Digests;
using AuditExport.LocalHost;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;
using Azure.Data.Tables;

namespace AuditExport.Tests.Digests;

/// <summary>
/// The signed digest chain through the real handler and emulators: what an export delivers verifies with
/// <c>audit-export verify</c>, and every kind of tampering of the copy is found and named, with exit code 5.
/// </summary>
[Collection(EmulatorsCollection.Export)]
public sealed class DigestChainTests(EmulatorsFixture emulators)
{
    /// <summary>Five jobs of 20 records, one per second of ingestion (the bound of 30 cuts at whole seconds).</summary>
    private static async Task<(ExportBench Bench, string Id, string Bucket)> FiveJobsAsync(EmulatorsFixture emulators, Action<Dictionary<string, string>>? configure = null)
    {
        var bench = await ExportBench.StartAsync(emulators, s =>
        {
            s["ExportMaxRecordsPerJob"] = "30";
            configure?.Invoke(s);
        });
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        await IngestSecondsAsync(bench, "digest", 5, ExportBench.Start.AddSeconds(10));
        var (status, _) = await bench.ExportNowAsync(id);
        Assert.Equal(200, status);
        return (bench, id, bucket);
    }

    private static async Task IngestSecondsAsync(ExportBench bench, string prefix, int seconds, DateTimeOffset from, string partition = "0")
    {
        foreach (var (batch, i) in Samples.Numbered(prefix, 20 * seconds).Chunk(20).Select((b, i) => (b, i)))
        {
            bench.Clock.SetUtcNow(from.AddSeconds(i));
            await bench.IngestAsync(batch, partition);
        }
        bench.Clock.SetUtcNow(from.AddMinutes(5));
    }

    private static List<string> Digests(string copy) =>
        Directory.EnumerateFiles(Path.Combine(copy, "digests"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private static List<string> DataObjects(string copy) =>
        Directory.EnumerateFiles(copy, "*.jsonl.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private static ExportDigest Read(string digest) => ExportDigest.Parse(File.ReadAllBytes(digest), out _)!;

    private static void Swap(string a, string b)
    {
        var bytes = File.ReadAllBytes(a);
        File.Copy(b, a, overwrite: true);
        File.WriteAllBytes(b, bytes);
    }

    [Fact]
    public async Task What_an_export_delivered_verifies_and_each_tampering_is_found_and_named()
    {
        var (bench, id, bucket) = await FiveJobsAsync(emulators);
        await using var _ = bench;
        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        var keys = await DigestCopies.SaveKeysAsync(bench);

        var clean = await DigestCopies.VerifyAsync(null, copy, "--keys", keys);

        Assert.True(clean.Exit == 0, clean.Output + clean.Error);
        Assert.Contains("5 windows, 5 OK; 0 findings.", clean.Output);
        var digests = Digests(copy);
        Assert.Equal(5, digests.Count);
        var chain = digests.Select(Read).ToList();
        Assert.Equal(DigestChain.First, chain[0].Chain);
        Assert.Null(chain[0].Previous);
        Assert.All(chain.Skip(1), d => Assert.Equal(DigestChain.Continues, d.Chain));
        Assert.Equal(Enumerable.Repeat(20L, 5), chain.Select(d => d.Records));
        Assert.Equal(100, chain.Sum(d => d.Objects.Sum(o => o.Records)));
        // The job records name each digest and its SHA-256, as the copy holds it.
        var jobs = (await bench.JobsAsync(id)).AsEnumerable().Reverse().ToList();
        Assert.Equal(chain.Select(d => d.Name), jobs.Select(j => j.GetProperty("digest").GetString()));
        Assert.Equal(digests.Select(FolderVerifier.Sha256Hex), jobs.Select(j => j.GetProperty("digestSha256").GetString()));
        var objects = DataObjects(copy);
        var otherKeys = Path.Combine(Path.GetDirectoryName(keys)!, "other-keys.json");
        await File.WriteAllTextAsync(otherKeys, JsonSerializer.Serialize(new { keys = SigningKeyRing.Parse("elsewhere:" + Convert.ToBase64String(new byte[32])).PublicKeys },
            new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        var tamperings = new (string What, Action<string> Tamper, string[] Kinds, string KeysFile)[]
        {
            ("edit one byte of an object", c => FlipByte(Path.Combine(c, Rel(copy, objects[2])), 40), [FindingKind.ObjectModified], keys),
            ("delete an object", c => File.Delete(Path.Combine(c, Rel(copy, objects[1]))), [FindingKind.ObjectMissing], keys),
            ("add an object", c => File.WriteAllText(Path.Combine(c, Path.GetDirectoryName(Rel(copy, objects[0]))!, "audit_forged.jsonl.gz"), "{}"), [FindingKind.ObjectExtra], keys),
            ("delete a digest", c => File.Delete(Path.Combine(c, Rel(copy, digests[2]))), [FindingKind.DigestMissing, FindingKind.ObjectExtra], keys),
            ("edit a digest", c => EditText(Path.Combine(c, Rel(copy, digests[1])), "\"records\": 20\n", "\"records\": 19\n"),
                [FindingKind.SignatureInvalid, FindingKind.DigestModified], keys),
            ("swap two digests", c =>
            {
                Swap(Path.Combine(c, Rel(copy, digests[1])), Path.Combine(c, Rel(copy, digests[3])));
                Swap(Path.Combine(c, Rel(copy, digests[1])) + ".sig", Path.Combine(c, Rel(copy, digests[3])) + ".sig");
            }, [FindingKind.DigestOutOfOrder], keys),
            ("remove a window whole: digest, signature and objects", c =>
            {
                File.Delete(Path.Combine(c, Rel(copy, digests[2])));
                File.Delete(Path.Combine(c, Rel(copy, digests[2])) + ".sig");
                foreach (var item in chain[2].Objects)
                {
                    File.Delete(Path.Combine(c, item.Name));
                }
            }, [FindingKind.WindowGap, FindingKind.DigestMissing], keys),
            ("replace a signature with another digest's", c => File.Copy(Path.Combine(c, Rel(copy, digests[1])) + ".sig", Path.Combine(c, Rel(copy, digests[0])) + ".sig", overwrite: true),
                [FindingKind.SignatureInvalid], keys),
            ("verify with keys that did not sign", _ => { }, [FindingKind.KeyUnknown], otherKeys),
            ("delete a signature", c => File.Delete(Path.Combine(c, Rel(copy, digests[3])) + ".sig"), [FindingKind.SignatureMissing], keys),
            ("move a window's start back into the one before", c => EditText(Path.Combine(c, Rel(copy, digests[3])),
                $"\"windowStart\": \"{chain[3].WindowStart.UtcDateTime:yyyy-MM-ddTHH:mm:ss}", $"\"windowStart\": \"{chain[3].WindowStart.UtcDateTime.AddSeconds(-1):yyyy-MM-ddTHH:mm:ss}"),
                [FindingKind.WindowOverlap, FindingKind.SignatureInvalid], keys),
        };
        foreach (var (what, tamper, kinds, keysFile) in tamperings)
        {
            var tampered = DigestCopies.Clone(copy);
            tamper(tampered);
            var (exit, output, error) = await DigestCopies.VerifyAsync(null, tampered, "--keys", keysFile);
            Assert.True(exit == 5, $"{what}: exit {exit}\n{output}{error}");
            foreach (var kind in kinds)
            {
                Assert.True(output.Contains(kind + ": "), $"{what}: no {kind} in\n{output}");
            }
            Directory.Delete(tampered, recursive: true);
        }
    }

    [Fact]
    public async Task The_newest_window_deleted_whole_leaves_no_trace_in_the_copy_but_the_service_record_finds_it()
    {
        var (bench, id, bucket) = await FiveJobsAsync(emulators);
        await using var _ = bench;
        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        var newest = Digests(copy)[^1];
        foreach (var item in Read(newest).Objects)
        {
            File.Delete(Path.Combine(copy, item.Name));
        }
        File.Delete(newest);
        File.Delete(newest + ".sig");

        var alone = await DigestCopies.VerifyAsync(bench, copy);
        var compared = await DigestCopies.VerifyAsync(bench, copy, "--from-api", id);

        Assert.True(alone.Exit == 0, alone.Output + alone.Error); // the README's "what the digests do not prove", shown
        Assert.Contains("4 windows, 4 OK; 0 findings.", alone.Output);
        Assert.True(compared.Exit == 5, compared.Output + compared.Error);
        Assert.Contains($"{FindingKind.ServiceMismatch}: the service delivered job ", compared.Output);
        Assert.Contains("which is missing here", compared.Output);
    }

    [Fact]
    public async Task A_redo_writes_the_same_digest_and_signature_bytes()
    {
        await using var proxy = await FaultyProxy.StartAsync(emulators.S3Endpoint);
        var failSignatures = true;
        proxy.Rule = (_, method, path) => failSignatures && method == "PUT" && path.Contains(".json.sig") ? 500 : null;
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync(endpoint: proxy.Endpoint);
        await IngestSecondsAsync(bench, "redo", 2, ExportBench.Start.AddSeconds(10));

        var (_, failed) = await bench.ExportNowAsync(id);
        Assert.Equal("FAILED", failed.GetProperty("status").GetString());
        var digestKey = $"audit/{ExportDigest.NameFor(Guid.Parse(id), failed.GetProperty("windowEnd").GetDateTimeOffset())}";
        var before = await S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, digestKey);
        Assert.NotNull(before); // the first attempt wrote the digest, then failed on its signature
        failSignatures = false;
        var (_, redone) = await bench.ExportNowAsync(id);

        Assert.Equal("SUCCEEDED", redone.GetProperty("status").GetString());
        Assert.Equal(2, redone.GetProperty("attempts").GetInt32());
        Assert.Equal(before, await S3Buckets.ReadBytesAsync(emulators.S3Endpoint, bucket, digestKey));
        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        var signature = DigestSignature.Parse(File.ReadAllBytes(Digests(copy)[0] + ".sig"))!;
        var again = SigningKeyRing.Parse(TestKeys.Signing).Sign(before);
        Assert.Equal(again, signature); // Ed25519 is deterministic: the redo's signature is the same bytes too
        Assert.Equal(0, (await DigestCopies.VerifyAsync(bench, copy, "--from-api", id)).Exit);
    }

    [Fact]
    public async Task Rotation_keeps_the_chain_and_old_digests_verify_with_the_published_keys()
    {
        var newer = "s2:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var (bench, id, bucket) = await FiveJobsAsync(emulators);
        var settings = bench.Settings;
        var oldKeys = await DigestCopies.SaveKeysAsync(bench);
        await bench.DisposeAsync();
        await using var rotated = await ExportBench.RestartWithAsync(emulators, settings, "DigestSigningKeys", $"{newer};{TestKeys.Signing}");
        await IngestSecondsAsync(rotated, "rotated", 2, ExportBench.Start.AddMinutes(10), partition: "1"); // a new bench counts sequence numbers from 0 again
        Assert.Equal(200, (await rotated.ExportNowAsync(id)).Status);

        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        var chain = Digests(copy).Select(Read).OrderBy(d => d.WindowEnd).ToList();
        var published = JsonDocument.Parse(await rotated.Http.GetStringAsync("/api/signing-keys")).RootElement.GetProperty("keys");
        var withBoth = await DigestCopies.VerifyAsync(rotated, copy, "--from-api", id);
        var withOldOnly = await DigestCopies.VerifyAsync(null, copy, "--keys", oldKeys);

        Assert.Equal(["s2", "s1"], published.EnumerateArray().Select(k => k.GetProperty("keyId").GetString()));
        Assert.True(published[0].GetProperty("current").GetBoolean());
        Assert.Equal(["s1", "s1", "s1", "s1", "s1", "s2", "s2"], chain.Select(d => d.SigningKeyId));
        Assert.Equal(chain[4].Name, chain[5].Previous!.Name); // the chain runs across the rotation
        Assert.True(withBoth.Exit == 0, withBoth.Output + withBoth.Error);
        Assert.Equal(5, withOldOnly.Exit);
        Assert.Equal(2, withOldOnly.Output.Split('\n').Count(l => l.Contains(FindingKind.KeyUnknown + ": ")));
    }

    [Fact]
    public async Task A_configuration_that_exported_before_digests_says_so_in_its_first_digest()
    {
        await using var bench = await ExportBench.StartAsync(emulators);
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        await IngestSecondsAsync(bench, "early", 1, ExportBench.Start.AddSeconds(10));
        Assert.Equal(200, (await bench.ExportNowAsync(id)).Status);
        // The state row as a version without digests left it: a success, no digest.
        var state = emulators.TableService().GetTableClient(bench.Settings["ExportStateTable"]);
        var row = (await state.GetEntityAsync<TableEntity>(id, "state")).Value;
        row.Remove("LastDigest");
        row.Remove("LastDigestSha256");
        await state.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        var earlier = $"audit/{Read(Digests(await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit"))[0]).Name}";
        using (var s3 = S3Buckets.Client(emulators.S3Endpoint))
        {
            await s3.DeleteObjectAsync(bucket, earlier);
            await s3.DeleteObjectAsync(bucket, earlier + ".sig");
        }
        await IngestSecondsAsync(bench, "later", 1, ExportBench.Start.AddMinutes(10));
        Assert.Equal(200, (await bench.ExportNowAsync(id)).Status);

        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        var first = Read(Assert.Single(Digests(copy)));

        Assert.Equal(DigestChain.FirstAfterUndigestedExports, first.Chain);
        Assert.Null(first.Previous);
        var (exit, output, _) = await DigestCopies.VerifyAsync(bench, copy);
        Assert.Equal(5, exit); // the first window's objects are listed in no digest: an auditor sees what predates the chain
        Assert.Contains($"{FindingKind.ObjectExtra}: ", output);
        Assert.Contains("1 windows, 1 OK", output);
    }

    [Fact]
    public async Task Adls_exports_carry_the_same_chain_and_verify()
    {
        await using var bench = await ExportBench.StartAsync(emulators, s => s["ExportMaxRecordsPerJob"] = "30");
        var (id, container) = await bench.CreateAdlsConfigurationAsync();
        await IngestSecondsAsync(bench, "adls", 3, ExportBench.Start.AddSeconds(10));
        Assert.Equal(200, (await bench.ExportNowAsync(id)).Status);

        var copy = await DigestCopies.SyncBlobsAsync(emulators, container, "lake/audit");
        var (exit, output, error) = await DigestCopies.VerifyAsync(bench, copy, "--from-api", id);

        Assert.True(exit == 0, output + error);
        Assert.Contains("3 windows, 3 OK; 0 findings.", output);
    }

    private static string Rel(string root, string path) => Path.GetRelativePath(root, path);

    private static void FlipByte(string path, int at)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    private static void EditText(string path, string from, string to)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to), new UTF8Encoding(false));
    }
}
