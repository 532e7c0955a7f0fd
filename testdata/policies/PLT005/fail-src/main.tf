# Terraform source fixture (no plan): see docs/terraform.md.
resource "azurerm_kubernetes_cluster" "this" { # expect: PLT005
  name = "aks-prod"
  location = "westeurope"
  resource_group_name = "rg-aks"
  dns_prefix = "aks"
  local_account_disabled = true
  oidc_issuer_enabled = true
  workload_identity_enabled = true
  private_cluster_enabled = true
  azure_policy_enabled = true
  image_cleaner_enabled = true
  node_os_upgrade_channel = "None" # expect: PLT005
  role_based_access_control_enabled = true

  default_node_pool {
    name = "system"
    vm_size = "Standard_D4s_v5"
    os_sku = "AzureLinux"
    host_encryption_enabled = true
    node_public_ip_enabled = false
  }

  identity {
    type = "SystemAssigned"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
    admin_group_object_ids = ["11111111-1111-1111-1111-111111111111"]
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "cilium"
    network_data_plane = "cilium"
  }

  microsoft_defender {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.law.id
  }

  oms_agent {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.law.id
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }
}
resource "azurerm_log_analytics_workspace" "law" {
  name                = "law-aks"
  location            = "westeurope"
  resource_group_name = "rg-aks"
}
