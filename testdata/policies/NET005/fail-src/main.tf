# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_container_registry" "acr" { # expect: NET005
  name = "acrprod"
  location = "westeurope"
  resource_group_name = "rg-aks"
  sku = "Premium"
  admin_enabled = false
  public_network_access_enabled = false
  anonymous_pull_enabled = false
}

resource "azurerm_container_registry" "other" {
  name = "acrother"
  location = "westeurope"
  resource_group_name = "rg-aks"
  sku = "Premium"
  admin_enabled = false
  public_network_access_enabled = false
  anonymous_pull_enabled = false
}

resource "azurerm_private_endpoint" "other" {
  name                = "pe-other"
  location            = "westeurope"
  resource_group_name = "rg-aks"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-other"
    private_connection_resource_id = azurerm_container_registry.other.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}
