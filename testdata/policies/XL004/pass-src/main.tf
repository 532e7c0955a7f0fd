# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_federated_identity_credential" "web" {
  name                = "fic-web"
  resource_group_name = "rg-aks"
  parent_id           = azurerm_user_assigned_identity.app.id
  issuer              = azurerm_kubernetes_cluster.this.oidc_issuer_url
  subject             = "system:serviceaccount:app:web"
  audience            = ["api://AzureADTokenExchange"]
}
