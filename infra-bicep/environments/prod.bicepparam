using '../main.bicep'

param environmentName = 'prod'
param eventHubPartitionCount = 8
param eventHubThroughputUnits = 2
param eventHubMaximumThroughputUnits = 8
param maximumInstanceCount = 40
param exportSettings = {
  safetyLagSeconds: 600
  parallelism: 4
  retentionDays: 90
  ingestShardCount: 8
}
param secretProtectionKeys = readEnvironmentVariable('SECRET_PROTECTION_KEYS', '') // first deployment only; then the vault's secret is the ring
param digestSigningKeys = readEnvironmentVariable('DIGEST_SIGNING_KEYS', '') // the same rule for the digest signing keys
param apiClientId = readEnvironmentVariable('API_CLIENT_ID')
param awsAccessKeyId = readEnvironmentVariable('EXPORTER_AWS_ACCESS_KEY_ID', '')
param awsSecretAccessKey = readEnvironmentVariable('EXPORTER_AWS_SECRET_ACCESS_KEY', '')
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
