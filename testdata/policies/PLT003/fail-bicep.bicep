param location string = 'westeurope'
@description('Object ID of the cluster admin group')
param adminGroupId string = '11111111-1111-1111-1111-111111111111'
param privateCluster bool = true
param localAccountsOff bool = true

var pools = [
  { name: 'system', mode: 'System' }
  { name: 'user', mode: 'User' }
]

resource law 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'law-aks'
  location: location
}

resource aks 'Microsoft.ContainerService/managedClusters@2025-10-01' = {
  name: 'aks-prod'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.33.2'
    enableRBAC: true
    disableLocalAccounts: localAccountsOff
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [adminGroupId]
    }
    apiServerAccessProfile: {
      enablePrivateCluster: privateCluster
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
      defender: {
        logAnalyticsWorkspaceResourceId: law.id
        securityMonitoring: {
          enabled: true
        }
      }
      imageCleaner: {
        enabled: true
        intervalHours: 168
      }
    }
    networkProfile: {
      networkPlugin: 'azure'
      networkPolicy: 'cilium'
      networkDataplane: 'cilium'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'stable'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
      omsagent: {
        enabled: true
        config: {
          logAnalyticsWorkspaceResourceID: law.id
          useAADAuth: 'true'
        }
      }
      azureKeyvaultSecretsProvider: {
        enabled: true
        config: {
          enableSecretRotation: 'true'
          rotationPollInterval: '2m'
        }
      }
    }
    agentPoolProfiles: [for p in pools: {
      name: p.name
      mode: p.mode
      count: 3
      vmSize: 'Standard_D4s_v5'
      osType: 'Linux'
      osSKU: 'AzureLinux'
      enableEncryptionAtHost: true
      enableNodePublicIP: false
      securityProfile: {
        sshAccess: 'Disabled'
      }
    }]
  }

  resource extra 'agentPools' = {
    name: 'extra'
    properties: {
      count: 1
      osType: 'Linux'
      osSKU: 'Ubuntu' // expect: PLT003
      enableEncryptionAtHost: true
      enableNodePublicIP: false
      securityProfile: {
        sshAccess: 'Disabled'
      }
    }
  }
}
