// Every resource of the stack inside the resource group, wired together.
@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Short unique suffix for globally unique names.')
param resourceToken string

@description('Name prefixes (Azure naming abbreviations).')
param abbreviations object

@description('Function App instance memory in MB.')
param instanceMemoryMB int

@description('Most Function App instances.')
param maximumInstanceCount int

@description('Event Hub partitions.')
param eventHubPartitionCount int

@description('Event Hub retention in days.')
param eventHubRetentionDays int

@description('Event Hub name.')
param eventHubName string

@description('Principal to grant Key Vault Secrets Officer, or empty.')
param keyVaultAdminPrincipalId string

module identity 'identity.bicep' = {
  name: 'identity'
  params: {
    name: '${abbreviations.managedIdentity}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '${abbreviations.logAnalytics}${resourceToken}'
    applicationInsightsName: '${abbreviations.applicationInsights}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module storage 'storage.bicep' = {
  name: 'storage'
  params: {
    name: '${abbreviations.storageAccount}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module eventHubs 'eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    namespaceName: '${abbreviations.eventHubNamespace}${resourceToken}'
    eventHubName: eventHubName
    partitionCount: eventHubPartitionCount
    retentionDays: eventHubRetentionDays
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module keyVault 'keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: '${abbreviations.keyVault}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    adminPrincipalId: keyVaultAdminPrincipalId
  }
}

module functionApp 'functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: '${abbreviations.appServicePlan}${resourceToken}'
    name: '${abbreviations.functionApp}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    eventHubFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    keyVaultUri: keyVault.outputs.uri
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
output storageAccountName string = storage.outputs.name
output eventHubFullyQualifiedNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output eventHubName string = eventHubs.outputs.eventHubName
output keyVaultUri string = keyVault.outputs.uri
output identityClientId string = identity.outputs.clientId
