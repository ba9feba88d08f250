using AuditExport.Destinations;
namespace AuditExport.Configurations;

/// <summary>
/// Where a stored secret is sent: the account or bucket, its region, the endpoint and the addressing style
/// (S3 virtual-host style puts the bucket in the host name), and the key id the secret belongs to. Changing any
/// of these without giving the secret again would let whoever may update a configuration send a secret the API
/// never returns to a place of their choosing.
/// </summary>
public static class SecretTarget
{
    public static List<string> Changes(DestinationSettings stored, DestinationSettings wanted)
    {
        var changed = new List<string>();
        void Compare<T>(string field, T before, T after)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after))
            {
                changed.Add(field);
            }
        }
        if (stored.IsS3)
        {
            Compare("bucket", stored.Bucket, wanted.Bucket);
            Compare("region", stored.Region, wanted.Region);
            Compare("accessKeyId", stored.AccessKeyId, wanted.AccessKeyId);
            Compare("forcePathStyle", stored.ForcePathStyle, wanted.ForcePathStyle);
        }
        else
        {
            Compare("storageAccount", stored.StorageAccount, wanted.StorageAccount);
            Compare("fileSystem", stored.FileSystem, wanted.FileSystem);
        }
        Compare("endpoint", stored.Endpoint?.AbsoluteUri, wanted.Endpoint?.AbsoluteUri);
        return changed;
    }
}
