param issuer string = 'https://westeurope.oic.prod-aks.azure.com/7c1e5a90-2b4d-4f63-8e1a-9d0b3c6f2e47/5d8f3a12-6b7c-4e09-91a4-0f2c8e6d3b75/'
param namespace string = 'shop'

resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-orders'
  location: 'westeurope'

  resource api 'federatedIdentityCredentials' = {
    name: 'orders-api'
    properties: {
      issuer: issuer
      subject: 'system:serviceaccounts:${namespace}:orders-api' // expect: IDN006
      audiences: [
        'api://AzureADTokenExchange'
      ]
    }
  }
}
