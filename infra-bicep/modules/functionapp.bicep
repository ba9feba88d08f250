// The function app: a custom handler (the self-contained handler/AuditExport in the package) on Flex Consumption.
// Every connection is identity-based (the user-assigned identity); secrets are Key Vault references.
// Flex Consumption takes the runtime, scale and deployment storage from functionAppConfig, so none of the
// settings it rejects (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, ...) is set.
param appName string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param tableEndpoint string
param deploymentContainerName string
param eventHubFullyQualifiedNamespace string
param eventHubName string
param eventHubConsumerGroup string
param applicationInsightsConnectionString string
param keyVaultName string
param secretProtectionKeysSecretName string
param digestSigningKeysSecretName string
param hasAwsCredentials bool
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
param exportSettings object
@description('Client id of the API\'s Entra app registration: tokens must be issued for it.')
param apiClientId string

// Identity-based connections (names follow the Functions convention CONNECTION__property).
var connectionSettings = [
  { name: 'AzureWebJobsStorage__blobServiceUri', value: blobEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: tableEndpoint }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'AuditStorage__tableServiceUri', value: tableEndpoint }
  { name: 'AuditStorage__blobServiceUri', value: blobEndpoint }
  { name: 'AuditStorage__credential', value: 'managedidentity' }
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
  { name: 'DigestSigningKeys', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${digestSigningKeysSecretName})' }
  { name: 'AllowCustomEndpoints', value: 'false' }
  { name: 'ApiAuthentication', value: 'EntraId' } // the handler refuses API calls without the principal App Service Authentication forwards
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

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
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
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
      runtime: { name: 'custom', version: '1.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // No ftpsState: Flex Consumption rejects it (ARM error 51021); FTP is not offered on Flex at all.
      http20Enabled: true
      appSettings: concat(connectionSettings, appSettings, awsSettings)
    }
  }
}

// App Service Authentication in front of every HTTP function: a token for the API's app registration, or 401.
// The handler reads the roles from the principal it forwards (X-MS-CLIENT-PRINCIPAL); function keys stay required.
resource authentication 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: ['/api/health'] // the anonymous health probe (functions/Health)
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${apiClientId}', apiClientId]
        }
      }
    }
    login: { tokenStore: { enabled: false } }
    httpSettings: { requireHttps: true }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output storageAccountName string = storageAccountName
