// The Event Hubs namespace producers send audit events to, the hub, and the exporter's own consumer group.
param namespaceName string
param hubName string
param consumerGroupName string
param partitionCount int
param messageRetentionInDays int
param throughputUnits int
param maximumThroughputUnits int
param location string
param tags object

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: throughputUnits }
  properties: {
    minimumTlsVersion: '1.2'
    disableLocalAuth: true
    isAutoInflateEnabled: maximumThroughputUnits > throughputUnits
    maximumThroughputUnits: maximumThroughputUnits > throughputUnits ? maximumThroughputUnits : 0
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = {
  parent: hub
  name: consumerGroupName
}

output namespaceId string = namespace.id
output hubId string = hub.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
