// Audit export on Azure Functions: everything one environment needs.
// Deploy:  az deployment group create -g <rg> -f infra-bicep/main.bicep -p infra-bicep/environments/<env>.bicepparam
targetScope = 'resourceGroup'

@description('Short environment name, used in resource names (dev, prod, ...); lower-cased where Azure needs it.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Region for every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Event Hub partitions: the most events processed in parallel. Fixed after creation on Standard.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Days Event Hubs keeps events (lets ingest catch up after an outage).')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 7

@description('Event Hubs throughput units to start with: each takes 1 MB/s or 1,000 events/s in, for the whole namespace.')
@minValue(1)
@maxValue(40)
param eventHubThroughputUnits int = 1

@description('Auto-inflate ceiling: the namespace grows to this many throughput units under load. One per partition lets every partition take its own 1 MB/s.')
@minValue(1)
@maxValue(40)
param eventHubMaximumThroughputUnits int = 4

@description('Redundancy of the storage account (audit tables, quarantine, deployment package). Standard_LRS works in every Flex Consumption region; choose Standard_ZRS (or GZRS) where the region has availability zones: westus, northcentralus, ukwest and others do not, and refuse ZRS.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param storageSku string = 'Standard_LRS'

@description('Most instances the app scales out to (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('"recover" brings back a soft-deleted Key Vault of the same name (purge protection keeps one for 90 days after an environment is deleted); "default" creates a new one.')
@allowed(['default', 'recover'])
param keyVaultCreateMode string = 'default'

@description('Export tuning; each becomes the app setting of the same purpose.')
param exportSettings object = {
  safetyLagSeconds: 600
  parallelism: 4
  retentionDays: 90
  ingestShardCount: 4
}

@secure()
@description('The secret-protection key ring, "keyId:base64(32 random bytes)[;olderKeyId:key]", for the first deployment only: from then on the Key Vault secret is the ring (rotate it there, README), and an empty value leaves it as it is. Generate with: echo "k$(date +%Y%m%d):$(openssl rand -base64 32)"')
param secretProtectionKeys string = ''

@secure()
@description('The digest signing key ring, "keyId:base64(32 random bytes)[;olderKeyId:key]" (Ed25519 seeds), for the first deployment only: from then on the Key Vault secret is the ring (rotate it there, README "For auditors"). Generate with: echo "s$(date +%Y%m%d):$(openssl rand -base64 32)"')
param digestSigningKeys string = ''

@description('Client id of the API\'s Microsoft Entra app registration (app roles AuditExport.Admin and AuditExport.Reader). App Service Authentication requires a token for it on every API route but /api/health.')
@minLength(36)
@maxLength(36)
param apiClientId string

@secure()
@description('Optional: access key id of the exporter\'s own AWS identity, used for sts:AssumeRole (assumed-role exports).')
param awsAccessKeyId string = ''

@secure()
@description('Optional: its secret access key.')
param awsSecretAccessKey string = ''

@description('E-mail address the alert action group notifies; empty: alerts only show in the portal.')
param alertEmail string = ''

param tags object = {
  application: 'audit-export'
  environment: environmentName
}

var environment = toLower(environmentName)
var suffix = uniqueString(resourceGroup().id, environment)
var namePrefix = 'auditexp-${environment}'
// Both or neither: one without the other would give the app half an AWS identity.
var hasAwsCredentials = !empty(awsAccessKeyId) && !empty(awsSecretAccessKey)
var deploymentContainerName = 'app-package'
var eventHubNamespaceName = 'evhns-${namePrefix}-${suffix}'
var eventHubName = 'audit-events'
var consumerGroupName = 'audit-export'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { name: '${namePrefix}-identity', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { namePrefix: namePrefix, location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: take('stauditexp${environment}${suffix}', 24)
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    skuName: storageSku
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventHubs'
  params: {
    namespaceName: eventHubNamespaceName
    hubName: eventHubName
    consumerGroupName: consumerGroupName
    partitionCount: eventHubPartitionCount
    messageRetentionInDays: eventHubRetentionDays
    throughputUnits: eventHubThroughputUnits
    maximumThroughputUnits: max(eventHubThroughputUnits, eventHubMaximumThroughputUnits)
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: take('kv-auditexp-${environment}-${suffix}', 24)
    location: location
    tags: tags
    createMode: keyVaultCreateMode
    secretProtectionKeys: secretProtectionKeys
    digestSigningKeys: digestSigningKeys
    storeAwsCredentials: hasAwsCredentials
    awsAccessKeyId: awsAccessKeyId
    awsSecretAccessKey: awsSecretAccessKey
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    eventHubNamespaceName: eventHubNamespaceName
    eventHubName: eventHubName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: '${namePrefix}-insights'
  }
  dependsOn: [eventHubs, monitoring]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    appName: '${namePrefix}-${suffix}'
    planName: '${namePrefix}-plan'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    eventHubFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubName
    eventHubConsumerGroup: consumerGroupName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    secretProtectionKeysSecretName: keyVault.outputs.secretProtectionKeysName
    digestSigningKeysSecretName: keyVault.outputs.digestSigningKeysName
    hasAwsCredentials: hasAwsCredentials
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    exportSettings: exportSettings
    apiClientId: apiClientId
  }
  dependsOn: [roles] // the identity can read Key Vault references and storage before the app first starts
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    eventHubNamespaceId: eventHubs.outputs.namespaceId
    alertEmail: alertEmail
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output eventHubNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output eventHubName string = eventHubName
output storageAccountName string = storage.outputs.name
