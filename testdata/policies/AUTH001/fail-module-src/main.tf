# Terraform source fixture (no plan): see docs/terraform.md.
module "aks" {
  source                 = "./modules/aks"
  local_account_disabled = false
}
