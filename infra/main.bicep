// retail-datagen: the whole stack for `azd up` or `az deployment sub create`.
//
// Subscription scope: creates (or reuses) the resource group, then deploys modules/resources.bicep into it.
// modules/resources.bicep is itself a complete resource-group-scoped template, so operators who may not create
// resource groups deploy it directly with `az deployment group create` (docs/DEPLOY.md).
//
// Identity-based everywhere: the Function App reaches Storage, Event Hubs, Key Vault and Application Insights
// with its user-assigned managed identity; shared keys and local auth are disabled where the services allow.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd env name); used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Azure region for every resource (one where Flex Consumption is available).')
@metadata({ azd: { type: 'location' } })
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

@description('Event Hub partitions (events of one store share a partition, so they stay in order).')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Days the Event Hub keeps events.')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 1

@description('Event Hub name the app streams to.')
param eventHubName string = 'retail-events'

@description('Consumer group on the hub for a Fabric Eventstream or Eventhouse reader.')
@minLength(1)
@maxLength(50)
param eventHubConsumerGroupName string = 'fabric'

@description('Disable SAS (local) auth on the Event Hubs namespace; the app needs none. Set false only for a consumer that can use nothing but a SAS key.')
param eventHubsDisableLocalAuth bool = true

@description('Object id of a user, group or service principal to grant Key Vault Secrets Officer (to store a connection string), or empty.')
param keyVaultAdminPrincipalId string = ''

@description('Principal type of keyVaultAdminPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param keyVaultAdminPrincipalType string = 'User'

@description('Browser origins allowed to call the API cross-origin (CORS), e.g. [\'https://dashboard.contoso.com\']. Empty: same-origin only (the dashboard is served by the app itself). Never \'*\': the API takes a function key.')
param corsAllowedOrigins array = []

var abbreviations = loadJsonContent('abbreviations.json')

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: { 'azd-env-name': environmentName }
}

module resources 'modules/resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    eventHubPartitionCount: eventHubPartitionCount
    eventHubRetentionDays: eventHubRetentionDays
    eventHubName: eventHubName
    eventHubConsumerGroupName: eventHubConsumerGroupName
    eventHubsDisableLocalAuth: eventHubsDisableLocalAuth
    keyVaultAdminPrincipalId: keyVaultAdminPrincipalId
    keyVaultAdminPrincipalType: keyVaultAdminPrincipalType
    corsAllowedOrigins: corsAllowedOrigins
  }
}

// azd stores these in the environment (`azd env get-values`): names and endpoints only, never a key.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output AZURE_APPLICATION_INSIGHTS_NAME string = resources.outputs.applicationInsightsName
output EVENTHUB_FULLY_QUALIFIED_NAMESPACE string = resources.outputs.eventHubFullyQualifiedNamespace
output EVENTHUB_NAME string = resources.outputs.eventHubName
output EVENTHUB_CONSUMER_GROUP string = resources.outputs.eventHubConsumerGroupName
output KEYVAULT_URL string = resources.outputs.keyVaultUri
output AZURE_KEYVAULT_NAME string = resources.outputs.keyVaultName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = resources.outputs.identityPrincipalId
