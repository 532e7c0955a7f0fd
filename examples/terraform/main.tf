# `terraform plan -out tfplan && terraform show -json tfplan > plan.json` gives plan.json.
resource "azurerm_kubernetes_cluster" "this" {
  name                   = "aks-payments"
  location               = "westeurope"
  resource_group_name    = "rg-payments"
  dns_prefix             = "aks-payments"
  local_account_disabled = false
  sku_tier               = "Standard"

  default_node_pool {
    name                   = "system"
    vm_size                = "Standard_D4ds_v5"
    node_count             = 3
    node_public_ip_enabled = true
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
  }
}

resource "azurerm_container_registry" "acr" {
  name                = "acrpayments001"
  location            = "westeurope"
  resource_group_name = "rg-payments"
  sku                 = "Premium"
  admin_enabled       = true
}
