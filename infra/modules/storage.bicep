// Storage for the Functions host and the app: Blobs (datasets, deployment package, Blob event sink), Tables
// (config, jobs, outbox, statistics), Queues (generation fan-out). Shared-key access is disabled: the app
// and the host use the managed identity.
@description('Storage account name (3-24 lower-case letters and digits).')
param name string

@description('Azure region.')
param location string

@description('Tags.')
param tags object

@description('Principal id of the app identity.')
param principalId string

var deploymentContainerName = 'app-package'

// Built-in roles by name; the ids live in one map, each checked against Microsoft's published list.
var roles = loadJsonContent('../roles.json')

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

// Storage Blob Data Contributor, not Owner. Everything that touches blobs with this identity needs only to create
// containers and read, write, lease and delete blobs: the Functions host (its keys, timer schedule monitors and
// singleton locks, as blobs and leases), the Flex Consumption deployment (it writes the package into
// app-package and the instances read it), and the app (datasets, Blob event sink). Owner adds POSIX ACL and
// ownership changes (hierarchical namespace, which this account does not have), blob index tags and
// immutability overrides; none of them is used, so granting it would only widen what a stolen token can do.
resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, roles['Storage Blob Data Contributor'].id)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Storage Blob Data Contributor'].id)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, roles['Storage Queue Data Contributor'].id)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Storage Queue Data Contributor'].id)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, roles['Storage Table Data Contributor'].id)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Storage Table Data Contributor'].id)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = storageAccount.name
// The endpoints as Azure reports them, so sovereign clouds and DNS-zone endpoints work unchanged.
output blobServiceUri string = storageAccount.properties.primaryEndpoints.blob
output queueServiceUri string = storageAccount.properties.primaryEndpoints.queue
output tableServiceUri string = storageAccount.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainer.name}'
