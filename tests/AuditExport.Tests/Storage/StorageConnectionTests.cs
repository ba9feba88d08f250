using AuditExport.Storage;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace AuditExport.Tests.Storage;

public sealed class StorageConnectionTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Development_storage_points_the_SDK_clients_at_local_Azurite_with_the_well_known_account()
    {
        var connection = StorageConnection.FromConnectionString("UseDevelopmentStorage=true");
        Assert.True(connection.UsesAccountKey);
        var tables = connection.CreateTableServiceClient(new StorageClientOptions());
        var blobs = connection.CreateBlobServiceClient(new StorageClientOptions());
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", tables.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", blobs.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal(StorageConnection.DevelopmentAccountName, tables.AccountName);
    }

    [Fact]
    public void Account_connection_string_derives_endpoints_from_the_suffix()
    {
        var connection = StorageConnection.FromConnectionString("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=AAAA;EndpointSuffix=core.usgovcloudapi.net");
        Assert.Equal("https://acme.table.core.usgovcloudapi.net/", connection.CreateTableServiceClient(new StorageClientOptions()).Uri.AbsoluteUri);
        Assert.Equal("https://acme.blob.core.usgovcloudapi.net/", connection.CreateBlobServiceClient(new StorageClientOptions()).Uri.AbsoluteUri);
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
        Assert.Throws<InvalidOperationException>(() => StorageConnectionSettings.Read(Settings(("AuditStorage:tableServiceUri", "https://acme.table.core.windows.net"))));

        var connection = StorageConnectionSettings.Read(Settings(
            ("AuditStorage:tableServiceUri", "https://acme.table.core.windows.net"),
            ("AuditStorage:blobServiceUri", "https://acme.blob.core.windows.net")));
        Assert.False(connection.UsesAccountKey);
        Assert.IsType<DefaultAzureCredential>(connection.Credential);
        Assert.Equal("https://acme.table.core.windows.net/", connection.CreateTableServiceClient(new StorageClientOptions()).Uri.AbsoluteUri);
        Assert.Equal("acme", connection.CreateBlobServiceClient(new StorageClientOptions()).AccountName);
    }

    [Fact]
    public void Managed_identity_credential_with_a_client_id_is_used_as_the_Functions_host_reads_it()
    {
        var connection = StorageConnectionSettings.Read(Settings(
            ("AuditStorage:accountName", "acme"),
            ("AuditStorage:credential", "managedidentity"),
            ("AuditStorage:clientId", "00000000-0000-0000-0000-000000000001")));
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("https://acme.table.core.windows.net/", connection.CreateTableServiceClient(new StorageClientOptions()).Uri.AbsoluteUri);
        Assert.Equal("https://acme.blob.core.windows.net/", connection.CreateBlobServiceClient(new StorageClientOptions()).Uri.AbsoluteUri);

        var error = Assert.Throws<InvalidOperationException>(() => StorageConnectionSettings.Read(Settings(("AuditStorage:accountName", "acme"), ("AuditStorage:credential", "password"))));
        Assert.Contains("managedidentity", error.Message);
    }

    [Fact]
    public void No_setting_means_local_development_storage()
    {
        var connection = StorageConnectionSettings.Read(new ConfigurationBuilder().Build());
        Assert.Equal(StorageConnection.DevelopmentAccountName, connection.CreateTableServiceClient(new StorageClientOptions()).AccountName);
    }
}
