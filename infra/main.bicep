// CTS Ops bot in Azure: a user-assigned managed identity (no stored secret anywhere), an Azure Bot with the Teams
// channel, App Service (Linux) running the container image, Blob Storage for state and the leader lease, and
// Application Insights. Deploy: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.json
// Reviewed by hand (no Bicep compiler on the build machines); test/deploy/bicep.test.ts checks the app settings.

@description('Short lower-case prefix for every resource name, e.g. "ctsops".')
@minLength(3)
@maxLength(11)
param namePrefix string

param location string = resourceGroup().location

@description('Container image of the bot, e.g. myregistry.azurecr.io/cts-ops-bot:0.1.0 (built from the repository Dockerfile).')
param containerImage string

@description('Application (client) id of the multi-tenant app registration consented in every tenant of the estate (Graph access).')
param graphAppClientId string

@description('The estate (the CTS_CONFIG JSON: tenants, configurations). No secret belongs in it.')
param estateJson string

@description('App Service plan SKU: B1 for one instance; P0v3 or above to run two instances (zero-downtime upgrades).')
param appServiceSku string = 'B1'

@description('Instances of the bot. More than one needs the Blob store (set here) and elects one monitor.')
@minValue(1)
@maxValue(3)
param instanceCount int = 1

var suffix = uniqueString(resourceGroup().id)
var siteName = '${namePrefix}-bot-${suffix}'
var publicUrl = 'https://${siteName}.azurewebsites.net'
var stateContainer = 'cts-ops'
// Built-in role: Storage Blob Data Contributor.
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id-${suffix}'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${namePrefix}st${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Only Entra identities (the managed identity) may read or write: there is no account key to leak.
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // Restore after a bad upgrade or a mistaken delete (docs/runbooks.md, "Backup and restore").
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
    isVersioningEnabled: true
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stateContainer
  properties: { publicAccess: 'None' }
}

resource stateAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, identity.id, blobDataContributor)
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: siteName
  location: location
  kind: 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOCKER|${containerImage}'
      // Pull from Azure Container Registry with the same identity (grant it AcrPull on the registry).
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identity.properties.clientId
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      // Names exactly as src/config and src/graph/credentials.ts read them (checked by test/deploy/bicep.test.ts).
      appSettings: [
        { name: 'WEBSITES_PORT', value: '3978' }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '3978' }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: tenant().tenantId }
        { name: 'AZURE_CLIENT_ID', value: graphAppClientId }
        { name: 'AZURE_MANAGED_IDENTITY_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'AZURE_STORAGE_CONTAINER', value: stateContainer }
        { name: 'CTS_CONFIG_JSON', value: estateJson }
        { name: 'PUBLIC_URL', value: publicUrl }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'LOG_LEVEL', value: 'info' }
        { name: 'MONITOR', value: 'on' }
      ]
    }
  }
  dependsOn: [ stateAccess ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${namePrefix}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'CTS Ops'
    endpoint: '${publicUrl}/api/messages'
    // The bot signs in to the Bot Connector as the managed identity: no app password exists.
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: tenant().tenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

@description('The bot id for npm run package (MicrosoftAppId) and the Teams app manifest.')
output botAppId string = identity.properties.clientId
@description('Register this as a federated credential of the Graph app (issuer and subject below); see docs/deploy.md.')
output managedIdentityPrincipalId string = identity.properties.principalId
output publicUrl string = publicUrl
output botDomain string = '${siteName}.azurewebsites.net'
