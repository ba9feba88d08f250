using System.Net.Http.Json;
using System.Text.Json;
using AuditExport.Digests;
using AuditExport.Hosting;
using AuditExport.Tests.Export;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Digests;

/// <summary>The signing key ring as a setting: its form, its errors (which never show a key), and digests switched off.</summary>
[Collection(EmulatorsCollection.Export)]
public sealed class SigningKeyTests(EmulatorsFixture emulators)
{
    [Theory]
    [InlineData("s1:not-base64!", "DigestSigningKeys: key 's1' is not base64.")]
    [InlineData("s1:AAAA", "DigestSigningKeys: key 's1' is 3 bytes; an Ed25519 key is 32.")]
    [InlineData("s1", "DigestSigningKeys: an entry is not 'keyId:base64Key'.")]
    [InlineData("s 1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "DigestSigningKeys: key id 's 1' may hold only letters, digits and '-'.")]
    [InlineData("", "DigestSigningKeys is not set: export digests cannot be signed.")]
    public void A_malformed_or_missing_ring_stops_the_start_with_the_reason(string value, string reason)
    {
        var settings = TestHandler.IsolatedSettings(emulators, out _, out _);
        settings["DigestSigningKeys"] = value;

        var error = Assert.Throws<InvalidOperationException>(() => HandlerApp.Build(TestHandler.Arguments(settings)));

        Assert.StartsWith(reason, error.Message);
    }

    [Fact]
    public void The_same_key_and_bytes_give_the_same_signature_and_a_changed_byte_does_not_verify()
    {
        var ring = SigningKeyRing.Parse(TestKeys.Signing);
        var data = "a digest"u8.ToArray();

        var first = ring.Sign(data);
        var second = SigningKeyRing.Parse(TestKeys.Signing).Sign(data);
        var key = Assert.Single(ring.PublicKeys);

        Assert.Equal(first, second);
        Assert.True(key.Verifies(data, first.Signature));
        data[0] ^= 1;
        Assert.False(key.Verifies(data, first.Signature));
        Assert.DoesNotContain(TestKeys.Signing.Split(':')[1], JsonSerializer.Serialize(ring.PublicKeys)); // only the public halves
    }

    [Fact]
    public async Task With_digests_off_no_keys_are_needed_no_digest_is_written_and_none_are_published()
    {
        await using var bench = await ExportBench.StartAsync(emulators, s =>
        {
            s["ExportDigests"] = "false";
            s.Remove("DigestSigningKeys");
        });
        var (id, bucket) = await bench.CreateS3ConfigurationAsync();
        bench.Clock.SetUtcNow(ExportBench.Start.AddSeconds(10));
        await bench.IngestAsync(Samples.Numbered("off", 10));
        bench.Clock.SetUtcNow(ExportBench.Start.AddMinutes(5));

        var (_, job) = await bench.ExportNowAsync(id);
        var keys = await bench.Http.GetAsync("/api/signing-keys");

        Assert.Equal("SUCCEEDED", job.GetProperty("status").GetString());
        Assert.False(job.TryGetProperty("digest", out _)); // null fields are left out of answers
        var copy = await DigestCopies.SyncS3Async(emulators.S3Endpoint, bucket, "audit");
        Assert.False(Directory.Exists(Path.Combine(copy, "digests")));
        Assert.Equal(404, (int)keys.StatusCode);
        Assert.Equal("No signing keys.", (await keys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }
}
