// Every resource of the stack inside one resource group, wired together.
//
// Deployed by main.bicep (subscription scope, `azd up`), or on its own into an existing resource group:
//   az deployment group create -g <rg> -f infra/modules/resources.bicep -p environmentName=<name>
// Names follow the Azure naming abbreviations (../abbreviations.json) plus a token unique to the subscription,
// resource group, environment and region, as the Azure Verified Modules / azd templates do.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the environment; used in the resource token and the azd-env-name tag.')
param environmentName string

@description('Azure region for every resource (default: the resource group\'s).')
param location string = resourceGroup().location

@description('Function App instance memory in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the Function App scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Event Hub partitions.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Days the Event Hub keeps events.')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 1

@description('Event Hub name.')
param eventHubName string = 'retail-events'

@description('Consumer group on the hub for a Fabric Eventstream or Eventhouse reader.')
@minLength(1)
@maxLength(50)
param eventHubConsumerGroupName string = 'fabric'

@description('Disable SAS (local) auth on the Event Hubs namespace.')
param eventHubsDisableLocalAuth bool = true

@description('Principal to grant Key Vault Secrets Officer, or empty.')
param keyVaultAdminPrincipalId string = ''

@description('Principal type of keyVaultAdminPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param keyVaultAdminPrincipalType string = 'User'

@description('Browser origins allowed to call the API cross-origin (CORS); empty: same-origin only.')
param corsAllowedOrigins array = []

var abbreviations = loadJsonContent('../abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

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
    consumerGroupName: eventHubConsumerGroupName
    retentionDays: eventHubRetentionDays
    disableLocalAuth: eventHubsDisableLocalAuth
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
    adminPrincipalType: keyVaultAdminPrincipalType
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
    blobServiceUri: storage.outputs.blobServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    tableServiceUri: storage.outputs.tableServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    eventHubFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    keyVaultUri: keyVault.outputs.uri
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    corsAllowedOrigins: corsAllowedOrigins
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
output storageAccountName string = storage.outputs.name
output applicationInsightsName string = monitoring.outputs.applicationInsightsName
output eventHubFullyQualifiedNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output eventHubName string = eventHubs.outputs.eventHubName
output eventHubConsumerGroupName string = eventHubs.outputs.consumerGroupName
output keyVaultUri string = keyVault.outputs.uri
output keyVaultName string = keyVault.outputs.name
output identityClientId string = identity.outputs.clientId
output identityPrincipalId string = identity.outputs.principalId
