using System.Net.Http.Json;
using System.Text.Json;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// Listing tests failing configurations again (Immuta's "create the trust, then list and expect SUCCESS"), at most
/// once a minute each, unless ?verify=false; through the REST route, with the loopback STS deciding trust.
/// </summary>
[Collection(EmulatorsCollection.ProcessWide)]
public sealed class ListRecheckTests(EmulatorsFixture emulators) : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/audit-export-recheck";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private HandlerWithSts _api = null!;
    private FakeStsServer _sts = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await HandlerWithSts.StartAsync(emulators, _clock);
        _sts = _api.Sts;
        _http = _api.Handler.Http();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private async Task<string?> ListedStatusAsync(string id, string query = "")
    {
        var listed = await _http.GetFromJsonAsync<JsonElement>("/api/export-configurations" + query);
        return listed.EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).GetProperty("connectionStatus").GetString();
    }

    [Fact]
    public async Task A_trust_added_after_creation_shows_SUCCESS_on_the_next_list_and_verify_false_lists_the_stored_status()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var created = await _http.PostAsJsonAsync("/api/export-configurations/s3-assumed-role", new
        {
            interval = "EVERY_6_HOURS", bucket, region = "eu-west-1", roleArn = RoleArn, endpoint = emulators.S3Endpoint.AbsoluteUri, forcePathStyle = true,
        });
        var configuration = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = configuration.GetProperty("id").GetString()!;
        var refused = configuration.GetProperty("connectionStatus").GetString();
        Assert.StartsWith($"Error testing access to S3 using AssumedRole {RoleArn} - ", refused);
        var callsAtCreation = _sts.Calls.Count;

        _sts.Trust[RoleArn] = id;

        Assert.Equal(refused, await ListedStatusAsync(id, "?verify=false"));
        Assert.Equal(callsAtCreation, _sts.Calls.Count);
        Assert.Equal("SUCCESS", await ListedStatusAsync(id));
        Assert.Equal(callsAtCreation + 1, _sts.Calls.Count);
        Assert.Equal("SUCCESS", await ListedStatusAsync(id, "?verify=false")); // stored, not only answered
        Assert.Equal(callsAtCreation + 1, _sts.Calls.Count); // SUCCESS is not tested again
    }

    [Fact]
    public async Task A_failing_configuration_is_tested_again_at_most_once_a_minute_however_often_it_is_listed()
    {
        var bucket = await S3Buckets.CreateAsync(emulators.S3Endpoint);
        var created = await _http.PostAsJsonAsync("/api/export-configurations/s3-assumed-role", new
        {
            interval = "EVERY_6_HOURS", bucket, region = "eu-west-1", roleArn = RoleArn, endpoint = emulators.S3Endpoint.AbsoluteUri, forcePathStyle = true,
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var calls = _sts.Calls.Count;

        for (var i = 0; i < 5; i++)
        {
            Assert.StartsWith("Error testing access", await ListedStatusAsync(id));
        }
        Assert.Equal(calls + 1, _sts.Calls.Count);

        _sts.Trust[RoleArn] = id;
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.StartsWith("Error testing access", await ListedStatusAsync(id));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("SUCCESS", await ListedStatusAsync(id));
        Assert.Equal(calls + 2, _sts.Calls.Count);
    }
}
