using AuditExport.Storage;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Tests.Storage;

public sealed class StorageConnectionTests
{
    [Fact]
    public void Development_storage_points_at_local_Azurite_with_the_well_known_account()
    {
        var connection = StorageConnection.FromConnectionString("UseDevelopmentStorage=true");
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", connection.TableEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", connection.BlobEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.True(connection.UsesSharedKey);
    }

    [Fact]
    public void Account_connection_string_derives_endpoints_from_the_suffix()
    {
        var connection = StorageConnection.FromConnectionString("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=AAAA;EndpointSuffix=core.usgovcloudapi.net");
        Assert.Equal("https://acme.table.core.usgovcloudapi.net/", connection.TableEndpoint.AbsoluteUri);
        Assert.Equal("https://acme.blob.core.usgovcloudapi.net/", connection.BlobEndpoint.AbsoluteUri);
    }

    [Fact]
    public void Connection_string_without_a_key_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<FormatException>(() => StorageConnection.FromConnectionString("AccountName=acme"));
        Assert.Contains("AccountKey", error.Message);
    }

    [Fact]
    public void Identity_based_settings_need_both_service_uris()
    {
        var partial = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AuditStorage:tableServiceUri"] = "https://acme.table.core.windows.net",
        }).Build();
        Assert.Throws<InvalidOperationException>(() => StorageConnectionSettings.Read(partial));

        var full = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AuditStorage:tableServiceUri"] = "https://acme.table.core.windows.net",
            ["AuditStorage:blobServiceUri"] = "https://acme.blob.core.windows.net",
        }).Build();
        var connection = StorageConnectionSettings.Read(full);
        Assert.False(connection.UsesSharedKey);
        Assert.NotNull(connection.Credential);
    }

    [Fact]
    public void No_setting_means_local_development_storage()
    {
        var connection = StorageConnectionSettings.Read(new ConfigurationBuilder().Build());
        Assert.Equal(StorageConnection.DevelopmentAccountName, connection.AccountName);
    }
}
