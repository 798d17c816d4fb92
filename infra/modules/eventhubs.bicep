// Event Hubs namespace and the hub the app streams to. Local (SAS) auth is disabled by default: the app sends with
// its managed identity (Azure Event Hubs Data Sender, scoped to this namespace).
@description('Namespace name.')
param namespaceName string

@description('Event Hub name.')
param eventHubName string

@description('Partitions. Fixed once the hub exists on Standard: choose it before the first deployment.')
param partitionCount int

@description('Consumer group for a Fabric Eventstream / Eventhouse reader (each reader of a hub needs its own).')
param consumerGroupName string

@description('Retention in days.')
param retentionDays int

@description('Disable SAS (local) auth: senders must use Entra ID (the app does, with its managed identity).')
param disableLocalAuth bool

@description('Azure region.')
param location string

@description('Tags.')
param tags object

@description('Principal id of the app identity.')
param principalId string

var roles = loadJsonContent('../roles.json')

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: 1 }
  properties: {
    disableLocalAuth: disableLocalAuth
    minimumTlsVersion: '1.2'
    isAutoInflateEnabled: true
    maximumThroughputUnits: 4
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: retentionDays
  }
}

// A reader of its own: $Default stays free for ad-hoc tools (az, Event Hubs Data Explorer), and a Fabric
// Eventstream or Eventhouse data connection that shares a group with another reader steals its partitions.
resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
  properties: {
    userMetadata: 'Fabric Eventstream / Eventhouse reader of retail-datagen events'
  }
}

// Only when SAS is allowed at all: a listen-only key for a reader that cannot use Entra ID (a Fabric Eventstream
// "Azure Event Hubs" source or an Eventhouse data connection take a shared access key). It can only read this
// hub. Its key is never an output; an operator reads it with az eventhubs eventhub authorization-rule keys list.
resource listenRule 'Microsoft.EventHub/namespaces/eventhubs/authorizationRules@2024-01-01' = if (!disableLocalAuth) {
  parent: hub
  name: 'fabric-listen'
  properties: {
    rights: ['Listen']
  }
}

resource senderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, principalId, roles['Azure Event Hubs Data Sender'].id)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Azure Event Hubs Data Sender'].id)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output eventHubName string = hub.name
output consumerGroupName string = consumerGroup.name
