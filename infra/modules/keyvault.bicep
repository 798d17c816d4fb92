// Key Vault in RBAC mode, for operators who keep an Event Hubs or Fabric connection string as a secret
// (realtime.use_keyvault). The app may read secrets; an optional admin may write them.
@description('Key Vault name.')
param name string

@description('Azure region.')
param location string

@description('Tags.')
param tags object

@description('Principal id of the app identity.')
param principalId string

@description('User, group or service principal object id to grant Key Vault Secrets Officer, or empty.')
param adminPrincipalId string

@description('Principal type of adminPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param adminPrincipalType string

var roles = loadJsonContent('../roles.json')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secretsUserRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles['Key Vault Secrets User'].id)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Key Vault Secrets User'].id)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(vault.id, adminPrincipalId, roles['Key Vault Secrets Officer'].id)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['Key Vault Secrets Officer'].id)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

output uri string = vault.properties.vaultUri
output name string = vault.name
