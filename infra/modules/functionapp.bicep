// The Function App on Flex Consumption (Node 22 LTS), running as the user-assigned identity, with
// identity-based settings only: no storage key, no Event Hubs key.
@description('Flex Consumption plan name.')
param planName string

@description('Function App name.')
param name string

@description('Azure region.')
param location string

@description('Tags.')
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the storage account (AzureWebJobsStorage), as the account reports it.')
param blobServiceUri string

@description('Queue endpoint of the storage account.')
param queueServiceUri string

@description('Table endpoint of the storage account.')
param tableServiceUri string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Application Insights component name (its connection string is read here, never passed around).')
param applicationInsightsName string

@description('Event Hubs namespace host.')
param eventHubFullyQualifiedNamespace string

@description('Event Hub name.')
param eventHubName string

@description('Key Vault URI.')
param keyVaultUri string

@description('Instance memory in MB.')
param instanceMemoryMB int

@description('Most instances.')
param maximumInstanceCount int

@description('Browser origins allowed to call the API cross-origin (CORS).')
param corsAllowedOrigins array

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (@Microsoft.KeyVault(...)) resolve with the app identity.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      // Node 22 LTS: Node 20 left support on 2026-04-30, and Functions gives retired versions no fixes. CI runs the
      // test suite on Node 22 as well as on the Node 20 of the development machines.
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // The platform answers preflights and adds the CORS headers for these origins only. No credentials: the
      // function key travels in a header, not a cookie.
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
      appSettings: [
        // One endpoint per service, not __accountName: the host's queue trigger (generation-jobs), its blobs
        // (keys, locks, timer schedules) and the app's Tables client each read the URI of their service, and a
        // URI from the account works in every cloud, where an account name is expanded to *.core.windows.net.
        { name: 'AzureWebJobsStorage__blobServiceUri', value: blobServiceUri }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: queueServiceUri }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: tableServiceUri }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        // Not a secret (ingestion endpoint + instrumentation key); with local auth off, ingestion needs the
        // identity named in the authentication string (Monitoring Metrics Publisher on the component).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
        { name: 'EVENTHUB_FULLY_QUALIFIED_NAMESPACE', value: eventHubFullyQualifiedNamespace }
        { name: 'EVENTHUB_NAME', value: eventHubName }
        { name: 'KEYVAULT_URL', value: keyVaultUri }
      ]
    }
  }
}

output name string = functionApp.name
output url string = 'https://${functionApp.properties.defaultHostName}'
