# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_key_vault" "kv" {
  name = "kv-aks"
  location = "westeurope"
  resource_group_name = "rg-aks"
  tenant_id = "00000000-0000-0000-0000-000000000000"
  sku_name = "premium"
  public_network_access_enabled = false
  rbac_authorization_enabled = true
  purge_protection_enabled = true

  network_acls {
    default_action = "Deny"
    bypass = "AzureServices"
  }
}
