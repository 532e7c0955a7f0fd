// A cluster, its registry and a private endpoint. Compile with `bicep build aks.bicep`.
param clusterName string = 'aks-shop'
param location string = resourceGroup().location
param disableLocalAccounts bool = false
param authorizedIPRanges array = [
  '0.0.0.0/0'
]
param acrName string = 'acrshop001'

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: clusterName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: clusterName
    disableLocalAccounts: disableLocalAccounts
    aadProfile: {
      managed: true
      enableAzureRBAC: true
    }
    apiServerAccessProfile: {
      authorizedIPRanges: authorizedIPRanges
    }
    networkProfile: {
      networkPlugin: 'azure'
      networkPolicy: 'azure'
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osSKU: 'AzureLinux'
        enableEncryptionAtHost: true
      }
    ]
  }
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: true
    publicNetworkAccess: 'Disabled'
  }
}
