rbac_enabled = false
