using AuditExport.Configurations;
using GraphQL.Types;
using AuditExport.Destinations;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// An export configuration as Immuta's audit GraphQL API returns it (<c>id interval enabled connectionStatus
/// endpointConfiguration { __typename ... }</c>), plus the fields the REST API shows. Never a secret.
/// </summary>
public sealed class ExportConfigurationGraphType : ObjectGraphType<ExportConfiguration>
{
    public ExportConfigurationGraphType()
    {
        Name = "ExportConfiguration";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString());
        Field<NonNullGraphType<ExportIntervalGraphType>>("interval").Resolve(c => c.Source.Interval);
        Field<NonNullGraphType<BooleanGraphType>>("enabled").Resolve(c => c.Source.Enabled);
        Field<NonNullGraphType<StringGraphType>>("connectionStatus").Description("SUCCESS, or what the last connection test or export found wrong")
            .Resolve(c => c.Source.ConnectionStatus);
        // The configuration itself is the source of its endpoint: an assumed role's externalId is the configuration id.
        Field<NonNullGraphType<EndpointConfigurationGraphType>>("endpointConfiguration").Resolve(c => c.Source);
        Field<NonNullGraphType<EnumerationGraphType<StartFrom>>>("startFrom").Resolve(c => c.Source.StartFrom);
        Field<UserGraphType>("createdBy").Description("Who created it (null for configurations created before this was kept)").Resolve(c => c.Source.CreatedBy);
        Field<NonNullGraphType<ImmutaDateTimeGraphType>>("createdAt").Resolve(c => c.Source.CreatedAt);
        Field<UserGraphType>("updatedBy").Description("Who made the latest change").Resolve(c => c.Source.UpdatedBy);
        Field<NonNullGraphType<ImmutaDateTimeGraphType>>("updatedAt").Resolve(c => c.Source.UpdatedAt);
    }
}

/// <summary>Where a configuration exports to; <c>__typename</c> says which kind.</summary>
public sealed class EndpointConfigurationGraphType : UnionGraphType
{
    public EndpointConfigurationGraphType()
    {
        Name = "EndpointConfiguration";
        Type<S3AccessKeyEndpointConfigurationGraphType>();
        Type<S3AssumedRoleEndpointConfigurationGraphType>();
        Type<AdlsSasTokenEndpointConfigurationGraphType>();
    }
}

/// <summary>What both S3 kinds share, for documents that select <c>... on S3EndpointConfiguration</c> (Immuta's API reference does).</summary>
public sealed class S3EndpointConfigurationGraphType : InterfaceGraphType<ExportConfiguration>
{
    public S3EndpointConfigurationGraphType()
    {
        Name = "S3EndpointConfiguration";
        Field<NonNullGraphType<StringGraphType>>("bucket");
        Field<NonNullGraphType<StringGraphType>>("path");
        Field<NonNullGraphType<StringGraphType>>("region");
        Field<StringGraphType>("endpoint");
        Field<NonNullGraphType<BooleanGraphType>>("forcePathStyle");
        Field<StringGraphType>("serverSideEncryption");
        Field<StringGraphType>("kmsKeyId");
        Field<NonNullGraphType<BooleanGraphType>>("bucketKeyEnabled");
    }

    /// <summary>The interface's fields, resolved, for the S3 object types.</summary>
    internal static void S3Fields(ObjectGraphType<ExportConfiguration> type)
    {
        type.Field<NonNullGraphType<StringGraphType>>("bucket").Resolve(c => c.Source.Destination.Bucket);
        type.Field<NonNullGraphType<StringGraphType>>("path").Description("\"\" when objects go to the bucket's root").Resolve(c => c.Source.Destination.Path);
        type.Field<NonNullGraphType<StringGraphType>>("region").Resolve(c => c.Source.Destination.Region);
        type.Field<StringGraphType>("endpoint").Description("An S3-compatible store's endpoint; null for AWS").Resolve(c => c.Source.Destination.Endpoint?.AbsoluteUri);
        type.Field<NonNullGraphType<BooleanGraphType>>("forcePathStyle").Resolve(c => c.Source.Destination.ForcePathStyle);
        type.Field<StringGraphType>("serverSideEncryption").Description("AES256 or aws:kms, sent on every write; null: the bucket's default").Resolve(c => c.Source.Destination.ServerSideEncryption);
        type.Field<StringGraphType>("kmsKeyId").Resolve(c => c.Source.Destination.KmsKeyId);
        type.Field<NonNullGraphType<BooleanGraphType>>("bucketKeyEnabled").Resolve(c => c.Source.Destination.BucketKeyEnabled);
    }
}

public sealed class S3AccessKeyEndpointConfigurationGraphType : ObjectGraphType<ExportConfiguration>
{
    public S3AccessKeyEndpointConfigurationGraphType()
    {
        Name = "S3AccessKeyEndpointConfiguration";
        Interface<S3EndpointConfigurationGraphType>();
        IsTypeOf = o => o is ExportConfiguration { Destination.Type: DestinationType.S3AccessKey };
        S3EndpointConfigurationGraphType.S3Fields(this);
        Field<NonNullGraphType<StringGraphType>>("accessKeyId").Resolve(c => c.Source.Destination.AccessKeyId);
    }
}

public sealed class S3AssumedRoleEndpointConfigurationGraphType : ObjectGraphType<ExportConfiguration>
{
    public S3AssumedRoleEndpointConfigurationGraphType()
    {
        Name = "S3AssumedRoleEndpointConfiguration";
        Interface<S3EndpointConfigurationGraphType>();
        IsTypeOf = o => o is ExportConfiguration { Destination.Type: DestinationType.S3AssumedRole };
        S3EndpointConfigurationGraphType.S3Fields(this);
        Field<NonNullGraphType<StringGraphType>>("roleArn").Resolve(c => c.Source.Destination.RoleArn);
        Field<NonNullGraphType<StringGraphType>>("externalId").Description("The ExternalId the role's trust policy must require: the configuration id")
            .Resolve(c => c.Source.ExternalId);
    }
}

/// <summary>Immuta's name for an ADLS Gen2 destination with a SAS token.</summary>
public sealed class AdlsSasTokenEndpointConfigurationGraphType : ObjectGraphType<ExportConfiguration>
{
    public AdlsSasTokenEndpointConfigurationGraphType()
    {
        Name = "AdlsSasTokenEndpointConfiguration";
        Interface<AdlsEndpointConfigurationGraphType>();
        IsTypeOf = o => o is ExportConfiguration { Destination.Type: DestinationType.AdlsSasToken };
        Field<NonNullGraphType<StringGraphType>>("storageAccount").Resolve(c => c.Source.Destination.StorageAccount);
        Field<NonNullGraphType<StringGraphType>>("fileSystem").Resolve(c => c.Source.Destination.FileSystem);
        Field<NonNullGraphType<StringGraphType>>("path").Resolve(c => c.Source.Destination.Path);
        Field<StringGraphType>("endpoint").Resolve(c => c.Source.Destination.Endpoint?.AbsoluteUri);
    }
}

/// <summary>
/// This API's earlier name for the ADLS member, kept as an interface the member implements, so documents written
/// against it (<c>... on AdlsEndpointConfiguration</c>) still validate and still select the fields.
/// </summary>
public sealed class AdlsEndpointConfigurationGraphType : InterfaceGraphType<ExportConfiguration>
{
    public AdlsEndpointConfigurationGraphType()
    {
        Name = "AdlsEndpointConfiguration";
        Field<NonNullGraphType<StringGraphType>>("storageAccount");
        Field<NonNullGraphType<StringGraphType>>("fileSystem");
        Field<NonNullGraphType<StringGraphType>>("path");
        Field<StringGraphType>("endpoint");
    }
}
