// The function app: a custom handler (the self-contained handler/AuditExport in the package) on Flex Consumption
// (default) or Elastic Premium. Every connection is identity-based; secrets are Key Vault references.
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string
param appName string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string
param eventHubFullyQualifiedNamespace string
param eventHubName string
param eventHubConsumerGroup string
param applicationInsightsConnectionString string
param keyVaultName string
param secretProtectionKeysSecretName string
param hasAwsCredentials bool
param maximumInstanceCount int
param exportSettings object

var isFlex = hostingPlan == 'FlexConsumption'

// Identity-based connections (names follow the Functions convention CONNECTION__property).
var connectionSettings = [
  { name: 'AzureWebJobsStorage__blobServiceUri', value: blobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: queueEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: tableEndpoint }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'AuditStorage__tableServiceUri', value: tableEndpoint }
  { name: 'AuditStorage__blobServiceUri', value: blobEndpoint }
  { name: 'AuditStorage__clientId', value: identityClientId }
  { name: 'EventHubConnection__fullyQualifiedNamespace', value: eventHubFullyQualifiedNamespace }
  { name: 'EventHubConnection__credential', value: 'managedidentity' }
  { name: 'EventHubConnection__clientId', value: identityClientId }
  { name: 'EventHubName', value: eventHubName }
  { name: 'EventHubConsumerGroup', value: eventHubConsumerGroup }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
]

var appSettings = [
  { name: 'SecretProtectionKeys', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretProtectionKeysSecretName})' }
  { name: 'AllowCustomEndpoints', value: 'false' }
  { name: 'ExportSafetyLagSeconds', value: string(exportSettings.safetyLagSeconds) }
  { name: 'ExportParallelism', value: string(exportSettings.parallelism) }
  { name: 'RetentionDays', value: string(exportSettings.retentionDays) }
  { name: 'IngestShardCount', value: string(exportSettings.ingestShardCount) }
]

// The exporter's own AWS identity for sts:AssumeRole, read by the AWS SDK's default credential chain.
var awsSettings = hasAwsCredentials
  ? [
      { name: 'AWS_ACCESS_KEY_ID', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=aws-access-key-id)' }
      { name: 'AWS_SECRET_ACCESS_KEY', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=aws-secret-access-key)' }
    ]
  : []

// Flex Consumption takes the runtime from functionAppConfig; Elastic Premium needs it as settings and runs from the package blob.
var premiumSettings = isFlex
  ? []
  : [
      { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
      { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'custom' }
      { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '${blobEndpoint}${deploymentContainerName}/audit-export.zip' }
      { name: 'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID', value: identityId }
    ]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? { name: 'FC1', tier: 'FlexConsumption' } : { name: 'EP1', tier: 'ElasticPremium' }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : maximumInstanceCount
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${blobEndpoint}${deploymentContainerName}'
              authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
            }
          }
          scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
          runtime: { name: 'custom', version: '1.0' }
        }
      : null
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      linuxFxVersion: isFlex ? null : ''
      appSettings: concat(connectionSettings, appSettings, awsSettings, premiumSettings)
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output storageAccountName string = storageAccountName
