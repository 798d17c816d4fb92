// retail-datagen: the whole stack for `azd up` or `az deployment sub create`.
// Subscription scope: creates the resource group, then every resource in it through modules/.
// Identity-based everywhere: the Function App reaches Storage, Event Hubs and Key Vault with its
// user-assigned managed identity; shared keys and local auth are disabled where the services allow.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd env name); used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Function App instance memory in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the Function App scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Event Hub partitions (per-store ordering is kept within a partition).')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Days the Event Hub keeps events.')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 1

@description('Event Hub name the app streams to.')
param eventHubName string = 'retail-events'

@description('Object id of a user or group to grant Key Vault Secrets Officer (to store a connection string), or empty.')
param keyVaultAdminPrincipalId string = ''

var abbreviations = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module resources 'modules/resources.bicep' = {
  name: 'resources'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    abbreviations: abbreviations
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    eventHubPartitionCount: eventHubPartitionCount
    eventHubRetentionDays: eventHubRetentionDays
    eventHubName: eventHubName
    keyVaultAdminPrincipalId: keyVaultAdminPrincipalId
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output EVENTHUB_FULLY_QUALIFIED_NAMESPACE string = resources.outputs.eventHubFullyQualifiedNamespace
output EVENTHUB_NAME string = resources.outputs.eventHubName
output KEYVAULT_URL string = resources.outputs.keyVaultUri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
