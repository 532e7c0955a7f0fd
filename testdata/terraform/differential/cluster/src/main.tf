# The module `plan/plan.json` was made from (by hand, as `terraform show -json` writes it).
variable "local_off" {
  default = false
}

locals {
  registries = 2
}

resource "azurerm_kubernetes_cluster" "this" {
  name                      = "aks"
  local_account_disabled    = var.local_off
  private_cluster_enabled   = true
  oidc_issuer_enabled       = true
  workload_identity_enabled = true
  azure_policy_enabled      = true

  default_node_pool {
    name   = "system"
    os_sku = "Ubuntu"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
}

resource "azurerm_container_registry" "acr" {
  count                         = local.registries
  name                          = "acr${count.index}"
  admin_enabled                 = count.index == 1
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "pe" {
  name = "pe"

  private_service_connection {
    name                           = "psc"
    private_connection_resource_id = azurerm_container_registry.acr[0].id
    is_manual_connection           = false
  }
}
