using AuditExport.Configurations;
using GraphQL.Types;
using AuditExport.Destinations;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// The inputs of the create mutations: Immuta's fields (<c>interval bucket path region accessKeyId secretAccessKey</c>,
/// <c>roleArn</c>, <c>storageAccount fileSystem sasToken</c>) plus ours. The values are checked by
/// <see cref="ConfigurationRequestReader"/>, exactly as the REST API checks them.
/// </summary>
public abstract class CreateInputGraphType : InputObjectGraphType
{
    protected CreateInputGraphType(string name, DestinationType type)
    {
        Name = name;
        Field<NonNullGraphType<ExportIntervalGraphType>>("interval");
        if (type == DestinationType.AdlsSasToken)
        {
            Field<NonNullGraphType<StringGraphType>>("storageAccount");
            Field<NonNullGraphType<StringGraphType>>("fileSystem");
            Path();
            Field<NonNullGraphType<StringGraphType>>("sasToken");
        }
        else
        {
            Field<NonNullGraphType<StringGraphType>>("bucket");
            Path();
            Field<NonNullGraphType<StringGraphType>>("region");
            if (type == DestinationType.S3AccessKey)
            {
                Field<NonNullGraphType<StringGraphType>>("accessKeyId");
                Field<NonNullGraphType<StringGraphType>>("secretAccessKey");
            }
            else
            {
                Field<NonNullGraphType<StringGraphType>>("roleArn");
            }
        }
        // Ours, beyond Immuta's fields.
        Field<IdGraphType>("id").Description("Migration: a UUID not in use, to keep the ExternalId a role already trusts; left out, a new one");
        Field<BooleanGraphType>("enabled").Description("Default true");
        Field<EnumerationGraphType<StartFrom>>("startFrom").Description("Default CREATION_TIME");
        Field<StringGraphType>("endpoint").Description("An S3-compatible store or a non-public cloud; needs AllowCustomEndpoints");
        if (type != DestinationType.AdlsSasToken)
        {
            Field<BooleanGraphType>("forcePathStyle");
            S3EncryptionFields(this);
        }
    }

    /// <summary>S3 server-side encryption, sent on every write and the connection test's probe.</summary>
    internal static void S3EncryptionFields(InputObjectGraphType type)
    {
        type.Field<StringGraphType>("serverSideEncryption").Description("AES256 (SSE-S3) or aws:kms (SSE-KMS); left out, the bucket's default encryption applies");
        type.Field<StringGraphType>("kmsKeyId").Description("With aws:kms: the KMS key (id, ARN, alias or alias ARN); left out, the AWS managed key aws/s3");
        type.Field<BooleanGraphType>("bucketKeyEnabled").Description("With aws:kms: use an S3 Bucket Key (fewer KMS requests)");
    }

    private void Path() => Field<StringGraphType>("path").Description("Folder for the objects; left out, the root");
}

public sealed class S3AccessKeyExportConfigurationInputGraphType() : CreateInputGraphType("S3AccessKeyExportConfigurationInput", DestinationType.S3AccessKey);

public sealed class S3AssumedRoleExportConfigurationInputGraphType() : CreateInputGraphType("S3AssumedRoleExportConfigurationInput", DestinationType.S3AssumedRole);

public sealed class AdlsExportConfigurationInputGraphType() : CreateInputGraphType("AdlsExportConfigurationInput", DestinationType.AdlsSasToken);

/// <summary>
/// The input of <c>updateExportConfiguration</c>: any field of the configuration's kind; a field left out keeps its
/// value, a secret left out keeps the stored one (unless where it would be sent changes), null clears an optional field.
/// </summary>
public sealed class UpdateExportConfigurationInputGraphType : InputObjectGraphType
{
    public UpdateExportConfigurationInputGraphType()
    {
        Name = "UpdateExportConfigurationInput";
        Field<ExportIntervalGraphType>("interval");
        Field<BooleanGraphType>("enabled");
        foreach (var name in new[] { "path", "endpoint", "bucket", "region", "accessKeyId", "secretAccessKey", "roleArn", "storageAccount", "fileSystem", "sasToken" })
        {
            Field<StringGraphType>(name);
        }
        Field<BooleanGraphType>("forcePathStyle");
        CreateInputGraphType.S3EncryptionFields(this);
    }
}

/// <summary>
/// The <c>data</c> of Immuta's per-kind updates (<c>updateAdlsSasTokenExportConfiguration(data: {id, ...})</c>): the id and
/// any field of that kind; a field left out keeps its value, a secret left out keeps the stored one.
/// </summary>
public abstract class UpdateOfKindInputGraphType : InputObjectGraphType
{
    protected UpdateOfKindInputGraphType(string name, DestinationType type)
    {
        Name = name;
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<ExportIntervalGraphType>("interval");
        Field<BooleanGraphType>("enabled");
        var fields = type switch
        {
            DestinationType.AdlsSasToken => new[] { "storageAccount", "fileSystem", "path", "sasToken", "endpoint" },
            DestinationType.S3AccessKey => ["bucket", "path", "region", "accessKeyId", "secretAccessKey", "endpoint"],
            _ => ["bucket", "path", "region", "roleArn", "endpoint"],
        };
        foreach (var field in fields)
        {
            Field<StringGraphType>(field);
        }
        if (type != DestinationType.AdlsSasToken)
        {
            Field<BooleanGraphType>("forcePathStyle");
            CreateInputGraphType.S3EncryptionFields(this);
        }
    }
}

public sealed class UpdateAdlsSasTokenExportConfigurationInputGraphType() : UpdateOfKindInputGraphType("UpdateAdlsSasTokenExportConfigurationInput", DestinationType.AdlsSasToken);

public sealed class UpdateS3AccessKeyExportConfigurationInputGraphType() : UpdateOfKindInputGraphType("UpdateS3AccessKeyExportConfigurationInput", DestinationType.S3AccessKey);

public sealed class UpdateS3AssumedRoleExportConfigurationInputGraphType() : UpdateOfKindInputGraphType("UpdateS3AssumedRoleExportConfigurationInput", DestinationType.S3AssumedRole);
