# Terraform source fixture (no plan): see docs/terraform.md.
locals {
  roles = { admin = "Owner", reader = "Reader" }
}

resource "azurerm_role_assignment" "ra" {
  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = lookup(local.roles, "admin", "Reader") # expect: IDN007
  principal_id         = azurerm_user_assigned_identity.app.principal_id
}
