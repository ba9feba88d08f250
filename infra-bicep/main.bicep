// Audit export on Azure Functions: everything one environment needs.
// Deploy:  az deployment group create -g <rg> -f infra-bicep/main.bicep -p infra-bicep/environments/<env>.bicepparam
targetScope = 'resourceGroup'

@description('Short environment name, used in resource names (dev, prod, ...).')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Region for every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Hosting plan: Flex Consumption (default) or Elastic Premium (EP1).')
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string = 'FlexConsumption'

@description('Event Hub partitions: the most events processed in parallel. Fixed after creation on Standard.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Days Event Hubs keeps events (lets ingest catch up after an outage).')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 7

@description('Most instances the app scales to.')
param maximumInstanceCount int = 40

@description('Export tuning; each becomes the app setting of the same purpose.')
param exportSettings object = {
  safetyLagSeconds: 600
  parallelism: 4
  retentionDays: 90
  ingestShardCount: 4
}

@secure()
@description('The secret-protection key ring, "keyId:base64(32 random bytes)[;olderKeyId:key]". Generate with: echo "k$(date +%Y%m%d):$(openssl rand -base64 32)"')
param secretProtectionKeys string

@secure()
@description('Optional: access key id of the exporter\'s own AWS identity, used for sts:AssumeRole (assumed-role exports).')
param awsAccessKeyId string = ''

@secure()
@description('Optional: its secret access key.')
param awsSecretAccessKey string = ''

param tags object = {
  application: 'audit-export'
  environment: environmentName
}

var suffix = uniqueString(resourceGroup().id, environmentName)
var namePrefix = 'auditexp-${environmentName}'
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
    name: take('stauditexp${environmentName}${suffix}', 24)
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
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
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: take('kv-auditexp-${environmentName}-${suffix}', 24)
    location: location
    tags: tags
    secretProtectionKeys: secretProtectionKeys
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
    hostingPlan: hostingPlan
    appName: '${namePrefix}-${suffix}'
    planName: '${namePrefix}-plan'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    eventHubFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubName
    eventHubConsumerGroup: consumerGroupName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    secretProtectionKeysSecretName: keyVault.outputs.secretProtectionKeysName
    hasAwsCredentials: keyVault.outputs.hasAwsCredentials
    maximumInstanceCount: maximumInstanceCount
    exportSettings: exportSettings
  }
  dependsOn: [roles] // the identity can read Key Vault references and storage before the app first starts
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output eventHubNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output eventHubName string = eventHubName
output storageAccountName string = storage.outputs.name
