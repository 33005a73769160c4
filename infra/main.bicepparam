// Parameters for infra/main.bicep. Every value is an example: replace it.
// az deployment group create -g <resource group> -f infra/main.bicep -p infra/main.bicepparam
using './main.bicep'

// 3-11 lower-case letters or digits; every resource name starts with it.
param namePrefix = 'ctsops'

// Built from the repository Dockerfile and pushed to your registry. Grant the bot's managed identity (output
// managedIdentityPrincipalId) the AcrPull role on the registry so App Service can pull without a password.
param containerImage = 'myregistry.azurecr.io/cts-ops-bot:0.1.0'

// Application (client) id of the multi-tenant app registration that every tenant of the estate has consented to
// (Graph application permissions: README "Microsoft Graph permissions"). Its proof is the managed identity, added
// as a federated credential after this deployment (docs/deploy.md step 4): no client secret exists.
param graphAppClientId = '00000000-0000-0000-0000-000000000000'

// The estate (README "Configuration"), as one JSON string; it becomes the CTS_CONFIG_JSON app setting.
// Tenants in another cloud add "authorityHost" and "graphBaseUrl"; a tenant with its own app adds "credential".
// No secret belongs here (a tenant's credential names the app setting that holds one).
param estateJson = loadTextContent('estate.json')

// B1 for one instance; P0v3 or above to run two instances (zero-downtime upgrades: docs/runbooks.md).
param appServiceSku = 'B1'

// 1-3. Two or more share their state in Blob Storage and elect one monitor.
param instanceCount = 1
