# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_role_assignment" "ra" {
  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin" # expect: IDN008
  principal_id         = azurerm_user_assigned_identity.app.principal_id
}
