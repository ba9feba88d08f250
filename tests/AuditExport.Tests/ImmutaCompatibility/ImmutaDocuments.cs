namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// GraphQL documents as Immuta's audit export guide gives them, character for character apart from layout; a
/// user fills in the quoted placeholders, which <see cref="Fill"/> does here.
/// </summary>
internal static class ImmutaDocuments
{
    public const string CreateS3AccessKey = """
        mutation {
          createS3AccessKeyExportConfiguration(
            input: {
              interval: EVERY_12_HOURS
              bucket: "your-s3-bucket"
              path: "your-bucket-path"
              region: "your-bucket-region"
              accessKeyId: "your-access-key"
              secretAccessKey: "your-secret-access-key"
            }
          ) {
            id
            interval
            enabled
            connectionStatus
            endpointConfiguration {
              __typename
              ... on S3AccessKeyEndpointConfiguration {
                bucket
                path
                region
              }
            }
          }
        }
        """;

    public const string CreateS3AssumedRole = """
        mutation {
          createS3AssumedRoleExportConfiguration(
            input: {
              interval: EVERY_12_HOURS
              bucket: "your-s3-bucket"
              path: "your-bucket-path"
              region: "your-bucket-region"
              roleArn: "your-role-arn"
            }
          ) {
            id
            interval
            enabled
            connectionStatus
            endpointConfiguration {
              __typename
              ... on S3AssumedRoleEndpointConfiguration {
                bucket
                path
                region
                roleArn
              }
            }
          }
        }
        """;

    public const string GetAll = """
        query {
          getAllExportConfigurations {
            id
            interval
            enabled
            connectionStatus
            endpointConfiguration {
              __typename
              ... on S3AccessKeyEndpointConfiguration {
                bucket
                path
                region
              }
              ... on S3AssumedRoleEndpointConfiguration {
                bucket
                path
                region
                roleArn
              }
            }
          }
        }
        """;

    /// <summary>The API reference's form: an operation name, and the S3 fields through the shared interface.</summary>
    public const string GetAllByInterface = """
        query getAllExportConfigurations {
          getAllExportConfigurations {
            id
            interval
            enabled
            endpointConfiguration {
              ... on S3EndpointConfiguration {
                bucket
                path
                region
              }
            }
            createdAt
            updatedAt
          }
        }
        """;

    public static string Fill(string document, IReadOnlyDictionary<string, string> values) =>
        values.Aggregate(document, (text, value) => text.Replace($"\"{value.Key}\"", $"\"{value.Value}\"", StringComparison.Ordinal));

    /// <summary>Adds fields to the input object, for tests that must point a document at the emulators instead of AWS.</summary>
    public static string WithInput(string document, string fields) =>
        document.Replace("    input: {\n", "    input: {\n      " + fields + "\n", StringComparison.Ordinal);
}
