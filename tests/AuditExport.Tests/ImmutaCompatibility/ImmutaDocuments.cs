namespace AuditExport.Tests.ImmutaCompatibility;

/// <summary>
/// Immuta's GraphQL documents verbatim (whitespace aside), each with the source it was copied from: the seeds in
/// <c>shared/seeds/</c> (the pages the product was specified from) and <c>shared/immuta-reference.md</c> (Immuta's
/// public documentation and API reference). A user fills in the quoted placeholders, which <see cref="Fill"/> does here.
/// Where a test must differ (an emulator endpoint), <see cref="WithData"/> adds one line to <c>data</c>.
/// </summary>
internal static class ImmutaDocuments
{
    /// <summary>Seed <c>000_a691667a29058af9.txt</c> lines 550–574 (Immuta 2024.3, "Configure the audit export to S3", access key).</summary>
    public const string CreateS3AccessKey = """
        mutation {
          createS3AccessKeyExportConfiguration(
            data: {
              interval: EVERY_12_HOURS
              bucket: "your-s3-bucket"
              path: "your-optional-s3-bucket-path"
              region: "your-aws-region"
              accessKeyId: "YOURACCESSKEYID"
              secretAccessKey: "YOUR/SECRET/ACCESSKEY"
            }
          )
            {
                id
                interval
                enabled
                connectionStatus
                endpointConfiguration {
                    ... on S3AccessKeyEndpointConfiguration {
                        bucket
                        path
                        region
                    }
                }
            }
        }
        """;

    /// <summary>Seed <c>000_a691667a29058af9.txt</c> lines 671–694 (the same page, AWS IAM role).</summary>
    public const string CreateS3AssumedRole = """
        mutation {
          createS3AssumedRoleExportConfiguration(
            data: {
              interval: EVERY_12_HOURS
              bucket: "your-s3-bucket"
              path: "your-optional-s3-bucket-path"
              region: "your-region"
              roleArn: "arn:aws:iam::<Your AWS Account ID>:role/<the prepared role>"
            }
          )
            {
                id
                interval
                enabled
                connectionStatus
                endpointConfiguration {
                    ... on S3AssumedRoleEndpointConfiguration {
                        bucket
                        path
                        region
                    }
                }
            }
        }
        """;

    /// <summary>Seed <c>000_a691667a29058af9.txt</c> lines 748–753 ("4 - Verify the export configuration connection").</summary>
    public const string GetAllForVerification = """
        query {
            getAllExportConfigurations{
                id
                connectionStatus
            }
        }
        """;

    /// <summary><c>immuta-reference.md</c> lines 117–130 (GQL-REF, the API reference's <c>getAllExportConfigurations</c>). It names two fragments without defining them; <see cref="ReferenceFragments"/> holds definitions (ours: the reference does not show them).</summary>
    public const string GetAllApiReference = """
        query getAllExportConfigurations {
          getAllExportConfigurations {
            id
            interval
            enabled
            endpointConfiguration {
              ... on S3EndpointConfiguration { ...S3EndpointConfigurationFragment }
            }
            createdBy { ...UserFragment }
            createdAt
            updatedBy { ...UserFragment }
            updatedAt
          }
        }
        """;

    /// <summary><c>immuta-reference.md</c> lines 142–146 (GQL-REF, <c>getAllExportJobTasks</c>), sent with variables.</summary>
    public const string GetAllExportJobTasks = """
        query getAllExportJobTasks($exportJobId: String!) {
          getAllExportJobTasks(exportJobId: $exportJobId) {
            id startTimestamp endTimestamp attempts offset limit status failureReason
          }
        }
        """;

    /// <summary><c>immuta-reference.md</c> lines 161–179 (AUDIT-PDF, ADLS section; <c>interval</c> as a quoted string, as Immuta wrote it).</summary>
    public const string CreateAdlsSasToken = """
        mutation {
          createAdlsSasTokenEndpointConfiguration(
            data: {
              interval: "EVERY_12_HOURS",
              storageAccount: "your-adls-storage-account",
              fileSystem: "audit-output",
              path: "immuta-audit",
              sasToken: "your-sas-token"
            }
          ) {
            id
            interval
            enabled
            connectionStatus
            endpointConfiguration {
              ... on AdlsSasTokenEndpointConfiguration { storageAccount fileSystem path }
            }
          }
        }
        """;

    /// <summary><c>immuta-reference.md</c> lines 202–216 (AUDIT-PDF, ADLS update; <c>interval</c> as an enum literal).</summary>
    public const string UpdateAdlsSasToken = """
        mutation {
          updateAdlsSasTokenExportConfiguration(
            data: {
              id: "<export configuration ID>"
              interval: EVERY_2_HOURS
              storageAccount: "your-adls-storage-account",
              fileSystem: "audit-output",
              path: "immuta-audit",
              sasToken: "your-sas-token"
            }
          ) {
            id interval enabled
            endpointConfiguration { __typename ... on AdlsSasTokenEndpointConfiguration { storageAccount path fileSystem } }
          }
        }
        """;

    /// <summary><c>immuta-reference.md</c> line 192 (AUDIT-PDF).</summary>
    public const string Disable = """
        mutation { disableExportConfiguration(id: "<export configuration ID>") { id } }
        """;

    /// <summary><c>immuta-reference.md</c> line 194 (AUDIT-PDF).</summary>
    public const string Enable = """
        mutation { enableExportConfiguration(id: "<export configuration ID>") { id } }
        """;

    /// <summary><c>immuta-reference.md</c> line 196 (AUDIT-PDF).</summary>
    public const string Delete = """
        mutation { deleteExportConfiguration(id: "<export configuration ID>") { id } }
        """;

    /// <summary>
    /// Definitions for the fragments <see cref="GetAllApiReference"/> names (ours: the reference shows neither). The
    /// S3 one selects what Immuta's S3 examples select.
    /// </summary>
    public const string ReferenceFragments = """
        fragment S3EndpointConfigurationFragment on S3EndpointConfiguration { bucket path region }
        fragment UserFragment on User { id name }
        """;

    public static string Fill(string document, IReadOnlyDictionary<string, string> values) =>
        values.Aggregate(document, (text, value) => text.Replace($"\"{value.Key}\"", $"\"{value.Value}\"", StringComparison.Ordinal));

    /// <summary>Adds one line to the data object, for tests that must point a document at the emulators instead of AWS.</summary>
    public static string WithData(string document, string fields) =>
        document.Replace("    data: {\n", "    data: {\n      " + fields + "\n", StringComparison.Ordinal);
}
