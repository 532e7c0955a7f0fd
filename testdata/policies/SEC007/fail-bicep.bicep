param location string = 'westeurope'

resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-prod-001'
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: false // expect: SEC007
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}
