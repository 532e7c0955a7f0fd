param location string = 'westeurope'
param subnetId string

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrprod001' // expect: NET005
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Disabled'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

