# Terraform source fixture (no plan): see docs/terraform.md.
variable "registries" {
  default = {
    prod = { anonymous = false }
    dev  = { anonymous = true }
  }
}

resource "azurerm_container_registry" "acr" {
  for_each                      = var.registries
  name                          = "acr${each.key}"
  location                      = "westeurope"
  resource_group_name           = "rg-aks"
  sku                           = "Premium"
  anonymous_pull_enabled        = each.value.anonymous # expect: AUTH006
  public_network_access_enabled = false
}
