#!/usr/bin/env python3
"""Writes the `.bicep` pass/fail fixtures of the `arm` policies (testdata/policies/<ID>/).

Each fail fixture is a secure baseline with one setting changed; the changed line carries the
`// expect: ID` marker written here by hand, so expectations are authored, not recorded.
Run from the repository root: python3 scripts/bicep_fixtures.py
"""
import os

CLUSTER = """\
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
      osSKU: 'AzureLinux3'
      enableEncryptionAtHost: true
      enableNodePublicIP: false
      securityProfile: {
        sshAccess: 'Disabled'
      }
    }
  }
}
"""

ACR = """\
param location string = 'westeurope'
param subnetId string

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrprod001'
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

resource pe 'Microsoft.Network/privateEndpoints@2023-05-01' = {
  name: 'pe-acr'
  location: location
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'acr'
        properties: {
          privateLinkServiceId: acr.id
          groupIds: [
            'registry'
          ]
        }
      }
    ]
  }
}
"""

KV = """\
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
    enableRbacAuthorization: true
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}
"""

FIC = """\
param issuer string = 'https://westeurope.oic.prod-aks.azure.com/7c1e5a90-2b4d-4f63-8e1a-9d0b3c6f2e47/5d8f3a12-6b7c-4e09-91a4-0f2c8e6d3b75/'
param namespace string = 'shop'

resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-orders'
  location: 'westeurope'

  resource api 'federatedIdentityCredentials' = {
    name: 'orders-api'
    properties: {
      issuer: issuer
      subject: 'system:serviceaccount:${namespace}:orders-api'
      audiences: [
        'api://AzureADTokenExchange'
      ]
    }
  }
}
"""

ROLES = """\
param principalId string = '22222222-2222-2222-2222-222222222222'
param roleName string = 'Reader'

var builtInRoleNames = {
  Owner: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')
  Reader: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
  AcrPull: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  'Azure Kubernetes Service RBAC Cluster Admin': subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b')
  'Azure Kubernetes Service RBAC Writer': subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb')
}

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleName)
  properties: {
    roleDefinitionId: builtInRoleNames[roleName]
    principalId: principalId
    principalType: 'Group'
  }
}
"""

SA_YAML = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders-api
  namespace: shop
  annotations:
    azure.workload.identity/client-id: 3f2b9c4e-8d1a-4e57-9b6c-2a7d0e5f1c83
"""

SECRET_PARAMS = """\
@secure()
param dbPassword string
param adminUser string = 'azureuser'

output user string = adminUser
"""


def sub(text, old, new, count=1):
    assert text.count(old) >= 1, (old, text[:80])
    return text.replace(old, new, count)


def cluster(old, new):
    return sub(CLUSTER, old, new)


# id -> (pass text or files, fail text or files). A files value is a dict name -> text (a
# directory fixture).
F = {}
F["AUTH001"] = (CLUSTER, cluster("param localAccountsOff bool = true", "param localAccountsOff bool = false // expect: AUTH001"))
F["AUTH002"] = (CLUSTER, cluster("      managed: true", "      managed: false // expect: AUTH002"))
F["AUTH003"] = (CLUSTER, cluster("      enableAzureRBAC: true", "      enableAzureRBAC: false // expect: AUTH003"))
F["AUTH004"] = (CLUSTER, cluster("    enableRBAC: true", "    enableRBAC: false // expect: AUTH004"))
# The value that decided is the parameter's default: the finding is there.
F["AUTH005"] = (
    CLUSTER,
    sub(
        cluster("param localAccountsOff bool = true", "param localAccountsOff bool = true // expect: AUTH005"),
        "    aadProfile: {\n      managed: true\n      enableAzureRBAC: true\n      adminGroupObjectIDs: [adminGroupId]\n    }\n",
        "",
    ),
)
F["IDN001"] = (CLUSTER, cluster("    type: 'SystemAssigned'", "    type: 'None' // expect: IDN001"))
F["IDN002"] = (CLUSTER, cluster("      workloadIdentity: {\n        enabled: true", "      workloadIdentity: {\n        enabled: false // expect: IDN002"))
F["IDN003"] = (
    CLUSTER,
    cluster("    enableRBAC: true\n", "    enableRBAC: true\n    podIdentityProfile: {\n      enabled: true // expect: IDN003\n    }\n"),
)
F["NET001"] = (CLUSTER, cluster("param privateCluster bool = true", "param privateCluster bool = false // expect: NET001"))
F["NET002"] = (
    cluster(
        "      enablePrivateCluster: privateCluster\n",
        "      enablePrivateCluster: false\n      authorizedIPRanges: [\n        '10.0.0.0/16'\n        '203.0.113.0/24'\n      ]\n",
    ),
    cluster(
        "      enablePrivateCluster: privateCluster\n",
        "      enablePrivateCluster: false\n      authorizedIPRanges: [\n        '10.0.0.0/16'\n        '0.0.0.0/0' // expect: NET002\n      ]\n",
    ),
)
F["NET003"] = (CLUSTER, cluster("      networkPolicy: 'cilium'", "      networkPolicy: 'none' // expect: NET003"))
# The loop's two pools share the line: two findings there.
F["NET009"] = (CLUSTER, cluster("      enableNodePublicIP: false\n      securityProfile", "      enableNodePublicIP: true // expect: NET009, NET009\n      securityProfile"))
F["PLT001"] = (CLUSTER, cluster("      azurepolicy: {\n        enabled: true", "      azurepolicy: {\n        enabled: false // expect: PLT001"))
F["PLT002"] = (CLUSTER, cluster("        securityMonitoring: {\n          enabled: true", "        securityMonitoring: {\n          enabled: false // expect: PLT002"))
F["PLT003"] = (CLUSTER, cluster("      osSKU: 'AzureLinux3'", "      osSKU: 'Ubuntu' // expect: PLT003"))
F["PLT004"] = (CLUSTER, cluster("        sshAccess: 'Disabled'\n      }\n    }]", "        sshAccess: 'LocalUser' // expect: PLT004, PLT004\n      }\n    }]"))
F["PLT005"] = (CLUSTER, cluster("      upgradeChannel: 'stable'", "      upgradeChannel: 'none' // expect: PLT005"))
F["PLT006"] = (CLUSTER, cluster("      omsagent: {\n        enabled: true", "      omsagent: {\n        enabled: false // expect: PLT006"))
F["PLT007"] = (CLUSTER, cluster("      enableEncryptionAtHost: true\n      enableNodePublicIP: false\n      securityProfile: {\n        sshAccess: 'Disabled'\n      }\n    }\n  }", "      enableEncryptionAtHost: false // expect: PLT007\n      enableNodePublicIP: false\n      securityProfile: {\n        sshAccess: 'Disabled'\n      }\n    }\n  }"))
F["PLT008"] = (CLUSTER, cluster("      imageCleaner: {\n        enabled: true", "      imageCleaner: {\n        enabled: false // expect: PLT008"))
F["SEC003"] = (CLUSTER, cluster("      azureKeyvaultSecretsProvider: {\n        enabled: true", "      azureKeyvaultSecretsProvider: {\n        enabled: false // expect: SEC003"))
F["SEC004"] = (CLUSTER, cluster("          enableSecretRotation: 'true'", "          enableSecretRotation: 'false' // expect: SEC004"))
F["AUTH006"] = (ACR, sub(ACR, "    anonymousPullEnabled: false", "    anonymousPullEnabled: true // expect: AUTH006"))
F["NET004"] = (ACR, sub(ACR, "    publicNetworkAccess: 'Disabled'", "    publicNetworkAccess: 'Enabled' // expect: NET004"))
F["NET005"] = (
    ACR,
    # No private endpoint: at the registry's name.
    sub(ACR[: ACR.index("resource pe")], "  name: 'acrprod001'", "  name: 'acrprod001' // expect: NET005"),
)
F["SEC006"] = (ACR, sub(ACR, "    adminUserEnabled: false", "    adminUserEnabled: true // expect: SEC006"))
F["NET010"] = (KV, sub(sub(KV, "    publicNetworkAccess: 'Disabled'", "    publicNetworkAccess: 'Enabled' // expect: NET010"), "      defaultAction: 'Deny'", "      defaultAction: 'Allow'"))
F["SEC007"] = (KV, sub(KV, "    enableRbacAuthorization: true", "    enableRbacAuthorization: false // expect: SEC007"))
F["SEC008"] = (KV, sub(KV, "    enablePurgeProtection: true", "    enablePurgeProtection: false // expect: SEC008"))
F["IDN006"] = (FIC, sub(FIC, "      subject: 'system:serviceaccount:${namespace}:orders-api'", "      subject: 'system:serviceaccounts:${namespace}:orders-api' // expect: IDN006"))
# The variable's entry the index picks decides: the finding is there.
F["IDN007"] = (
    ROLES,
    sub(
        sub(ROLES, "param roleName string = 'Reader'", "param roleName string = 'Owner'"),
        "'8e3af657-a8ff-443c-a75c-2fe8c4bcb635')",
        "'8e3af657-a8ff-443c-a75c-2fe8c4bcb635') // expect: IDN007",
    ),
)
F["IDN008"] = (
    sub(ROLES, "param roleName string = 'Reader'", "param roleName string = 'Azure Kubernetes Service RBAC Writer'"),
    sub(
        sub(ROLES, "param roleName string = 'Reader'", "param roleName string = 'Azure Kubernetes Service RBAC Cluster Admin'"),
        "'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b')",
        "'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b') // expect: IDN008",
    ),
)
F["SEC011"] = (SECRET_PARAMS, "param dbPassword string // expect: SEC011\nparam adminUser string = 'azureuser'\n")
F["XL004"] = (
    {"identities.bicep": FIC, "serviceaccounts.yaml": SA_YAML},
    {
        "identities.bicep": sub(FIC, "      subject: 'system:serviceaccount:${namespace}:orders-api'", "      subject: 'system:serviceaccount:${namespace}:orders-worker' // expect: XL004"),
        "serviceaccounts.yaml": SA_YAML,
    },
)


def fix_expect_next_line(text):
    """`// expect: ID (next line)` marks the following line: move the marker there."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        if l.strip().startswith("// expect:") and l.endswith("(next line)"):
            marker = l.strip()[: -len(" (next line)")]
            out.append(lines[i + 1] + " " + marker)
            i += 2
            continue
        out.append(l)
        i += 1
    return "\n".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(fix_expect_next_line(text))


for pid, (good, bad) in sorted(F.items()):
    base = os.path.join("testdata", "policies", pid)
    for kind, content in (("pass", good), ("fail", bad)):
        if isinstance(content, dict):
            for name, text in content.items():
                write(os.path.join(base, f"{kind}-bicep", name), text)
        else:
            write(os.path.join(base, f"{kind}-bicep.bicep"), content)
print(f"{len(F)} policies")
