# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_container_registry" "acr" { # expect: NET004
  name = "acrprod"
  location = "westeurope"
  resource_group_name = "rg-aks"
  sku = "Premium"
  admin_enabled = false
  anonymous_pull_enabled = false
}
resource "azurerm_private_endpoint" "acr" {
  name                = "pe-acr"
  location            = "westeurope"
  resource_group_name = "rg-aks"
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}
