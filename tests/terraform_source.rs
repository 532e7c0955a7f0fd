//! Terraform source modules (`.tf`, no plan) through the real binary: variables and their
//! precedence, instances, dynamic blocks, modules, unknowns, syntax errors, the work budget,
//! sensitive values, suppressions, discovery.

mod common;

use std::path::Path;

use common::{Run, run_in, write};
use serde_json::Value;

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // A repository: the scanned root is its top.
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

/// `akslint resources ARGS`: (name, tree) of every resource, in order.
fn resources(dir: &Path, args: &[&str]) -> Vec<(String, Value)> {
    let mut a = vec!["resources"];
    a.extend_from_slice(args);
    let r = run_in(dir, &a);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

fn tree<'a>(all: &'a [(String, Value)], name: &str) -> &'a Value {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in {all:?}"))
        .1["tree"]
}

/// (id, path, line) of every finding of `check --format json`.
fn findings(r: &Run) -> Vec<(String, String, u64)> {
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    let mut v: Vec<(String, String, u64)> = r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

const VARS: &str = r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "f" { default = "default" }
variable "enabled" { type = bool }
variable "ranges" { type = list(string) }

resource "azurerm_container_registry" "r" {
  name                   = "${var.a}/${var.b}/${var.c}/${var.d}/${var.e}/${var.f}"
  admin_enabled          = var.enabled
  anonymous_pull_enabled = length(var.ranges) == 2
}
"#;

#[test]
fn variables_take_tfvars_auto_tfvars_var_files_and_vars_in_terraform_order() {
    let dir = module(&[
        ("infra/main.tf", VARS),
        (
            "infra/terraform.tfvars",
            "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\n",
        ),
        (
            "infra/b.auto.tfvars",
            "c = \"b-auto\"\nd = \"b-auto\"\ne = \"b-auto\"\n",
        ),
        (
            "infra/a.auto.tfvars.json",
            "{\"b\": \"a-auto\", \"c\": \"a-auto\", \"d\": \"a-auto\", \"e\": \"a-auto\"}\n",
        ),
        ("extra.tfvars", "d = \"file\"\ne = \"file\"\n"),
    ]);
    let all = resources(
        dir.path(),
        &[
            "infra",
            "--tf-var-file",
            "extra.tfvars",
            "--tf-var",
            "e=cli",
            "--tf-var",
            "enabled=true",
            "--tf-var",
            "ranges=[\"10.0.0.0/8\", \"192.168.0.0/16\"]",
        ],
    );
    let r = tree(&all, "azurerm_container_registry.r");
    assert_eq!(r["name"], "tfvars/a-auto/b-auto/file/cli/default");
    // `--tf-var` of a bool is converted by the variable's type; a list is an expression.
    assert_eq!(r["admin_enabled"], true);
    assert_eq!(r["anonymous_pull_enabled"], true);
}

#[test]
fn a_variable_without_value_is_unknown_and_an_unwritten_attribute_is_absent() {
    let dir = module(&[(
        "main.tf",
        r#"
variable "name" {}
data "azurerm_client_config" "current" {}
resource "azurerm_user_assigned_identity" "id" {
  name = "uami"
}
resource "azurerm_key_vault" "kv" {
  name      = var.name
  tenant_id = data.azurerm_client_config.current.tenant_id
  parent    = azurerm_user_assigned_identity.id.principal_id
}
"#,
    )]);
    let all = resources(dir.path(), &["."]);
    let kv = tree(&all, "azurerm_key_vault.kv");
    assert_eq!(kv["name"], "(known after deployment)");
    assert_eq!(kv["tenant_id"], "(known after deployment)");
    assert_eq!(kv["parent"], "(known after deployment)");
    assert!(kv.get("purge_protection_enabled").is_none(), "{kv}");
    // Data sources are not resources.
    assert_eq!(all.len(), 2, "{all:?}");
}

#[test]
fn count_for_each_and_module_instances_have_full_addresses() {
    let dir = module(&[
        (
            "main.tf",
            r#"
locals {
  regions = { eu = "westeurope", us = "eastus" }
}
resource "azurerm_container_registry" "acr" {
  count = 2
  name  = "acr${count.index}"
}
resource "azurerm_key_vault" "kv" {
  for_each = toset(["b", "a"])
  name     = "kv-${each.key}"
}
resource "azurerm_key_vault" "none" {
  count = 0
  name  = "never"
}
module "aks" {
  source   = "./modules/aks"
  for_each = local.regions
  location = each.value
}
output "ids" { value = module.aks["eu"].cluster_name }
"#,
        ),
        (
            "modules/aks/main.tf",
            r#"
variable "location" {}
resource "azurerm_kubernetes_cluster" "this" {
  name     = "aks-${var.location}"
  location = var.location
}
output "cluster_name" { value = azurerm_kubernetes_cluster.this.name }
"#,
        ),
    ]);
    let all = resources(dir.path(), &["."]);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "azurerm_container_registry.acr[0]",
            "azurerm_container_registry.acr[1]",
            "azurerm_key_vault.kv[\"a\"]",
            "azurerm_key_vault.kv[\"b\"]",
            "module.aks[\"eu\"].azurerm_kubernetes_cluster.this",
            "module.aks[\"us\"].azurerm_kubernetes_cluster.this",
        ]
    );
    assert_eq!(
        tree(&all, "azurerm_container_registry.acr[1]")["name"],
        "acr1"
    );
    assert_eq!(
        tree(&all, "module.aks[\"us\"].azurerm_kubernetes_cluster.this")["name"],
        "aks-eastus"
    );
    // The child's resource sits in the child's file.
    let line = all
        .iter()
        .find(|(n, _)| n.starts_with("module.aks[\"eu\"]"))
        .unwrap();
    assert_eq!(line.1["file"], "modules/aks/main.tf");
    // `count = 0` is accounted for, not silently dropped.
    let r = run_in(dir.path(), &["check", ".", "--statistics"]);
    assert!(
        r.stdout
            .contains("main.tf:13:1: azurerm_key_vault.none: count is 0"),
        "{r:?}"
    );
}

#[test]
fn dynamic_blocks_expressions_and_module_outputs_evaluate() {
    let dir = module(&[
        (
            "main.tf",
            r#"
variable "pools" {
  type = list(object({
    name   = string
    os_sku = optional(string, "AzureLinux")
    public = optional(bool)
  }))
  default = [{ name = "system" }, { name = "user", os_sku = "Ubuntu", public = true }]
}
locals {
  tags     = merge({ env = "prod" }, { team = upper("aks") })
  names    = [for p in var.pools : p.name if p.public != true]
  by_name  = { for p in var.pools : p.name => p.os_sku }
  joined   = join(",", var.pools[*].name)
  template = <<EOT
%{ for p in var.pools ~}
${p.name};
%{ endfor ~}
EOT
}
module "net" {
  source = "./net"
  cidr   = "10.1.0.0/16"
}
resource "azurerm_kubernetes_cluster" "this" {
  name = "${local.joined}|${replace(trimspace(local.template), "\n", "")}"
  tags = local.tags
  dynamic "agent_pool" {
    for_each = var.pools
    iterator = pool
    content {
      name   = pool.value.name
      os_sku = lookup(local.by_name, pool.value.name, "none")
    }
  }
  api_server_access_profile {
    authorized_ip_ranges = [module.net.cidr]
  }
  private_cluster_enabled = contains(local.names, "user") ? false : try(local.missing, true)
  sku_tier                = coalesce(null, "", "Standard")
  kubernetes_version      = format("1.%d", 30 + 2)
}
"#,
        ),
        (
            "net/main.tf",
            "variable \"cidr\" {}\noutput \"cidr\" { value = cidrsubnet(var.cidr, 8, 0) == null ? var.cidr : var.cidr }\n",
        ),
    ]);
    let all = resources(dir.path(), &["."]);
    let c = tree(&all, "azurerm_kubernetes_cluster.this");
    assert_eq!(c["name"], "system,user|system;user;");
    assert_eq!(c["tags"], serde_json::json!({"env": "prod", "team": "AKS"}));
    assert_eq!(
        c["agent_pool"],
        serde_json::json!([
            {"name": "system", "os_sku": "AzureLinux"},
            {"name": "user", "os_sku": "Ubuntu"}
        ])
    );
    // cidrsubnet is unknown here, so the conditional is too.
    assert_eq!(
        c["api_server_access_profile"][0]["authorized_ip_ranges"][0],
        "(known after deployment)"
    );
    assert_eq!(c["private_cluster_enabled"], true);
    assert_eq!(c["sku_tier"], "Standard");
    assert_eq!(c["kubernetes_version"], "1.32");
}

#[test]
fn findings_point_at_attributes_block_headers_and_child_module_files() {
    let dir = module(&[
        (
            "main.tf",
            r#"variable "local_off" { default = false }
module "aks" {
  source    = "./modules/aks"
  local_off = var.local_off
}
"#,
        ),
        (
            "modules/aks/main.tf",
            r#"variable "local_off" {}
resource "azurerm_kubernetes_cluster" "this" {
  name                   = "aks"
  local_account_disabled = var.local_off
  network_profile {
    network_plugin = "azure"
  }
}
"#,
        ),
    ]);
    let r = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--select",
            "AUTH001,NET003,AUTH002",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        findings(&r),
        [
            ("AUTH001".to_string(), "modules/aks/main.tf".to_string(), 4),
            ("AUTH002".into(), "modules/aks/main.tf".into(), 2),
            ("NET003".into(), "modules/aks/main.tf".into(), 5),
        ]
    );
    let f = &r.json()["findings"][0];
    let related = f["related"].to_string();
    assert!(
        related.contains("main.tf") && related.contains("module.aks"),
        "{f}"
    );
    // SARIF and github output place it in the child file too.
    let g = run_in(
        dir.path(),
        &["check", ".", "--select", "AUTH001", "--format", "github"],
    );
    assert!(
        g.stdout.contains("file=modules/aks/main.tf,line=4,col=28"),
        "{g:?}"
    );
}

#[test]
fn a_syntax_error_is_akl001_at_its_position_and_the_other_files_still_load() {
    let dir = module(&[
        (
            "infra/broken.tf",
            "resource \"azurerm_key_vault\" \"kv\" {\n  name = \n}\n",
        ),
        (
            "infra/main.tf",
            "resource \"azurerm_container_registry\" \"acr\" {\n  admin_enabled = true\n}\n",
        ),
    ]);
    let r = run_in(
        dir.path(),
        &[
            "check",
            "infra",
            "--select",
            "AKL001,SEC006",
            "--format",
            "json",
        ],
    );
    let f = findings(&r);
    assert_eq!(f.len(), 2, "{r:?}");
    assert_eq!(f[0].0, "AKL001");
    assert_eq!(f[0].1, "infra/broken.tf");
    // hcl-edit reports the missing expression where it ends: line 2.
    assert_eq!(f[0].2, 2, "{r:?}");
    assert_eq!(f[1], ("SEC006".into(), "infra/main.tf".into(), 2));
    assert_eq!(r.code, 1);
}

#[test]
fn hostile_modules_stop_at_the_work_budget_with_akl003() {
    for (name, body) in [
        (
            "range",
            "locals {\n  big = range(100000000000)\n}\nresource \"azurerm_key_vault\" \"kv\" {\n  name = length(local.big)\n}\n",
        ),
        (
            "for_each",
            "resource \"azurerm_key_vault\" \"kv\" {\n  for_each = toset([for i in range(30000000) : tostring(i)])\n  name = each.key\n}\n",
        ),
        ("doubling", &{
            let mut s = String::from("locals {\n  l0 = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n");
            for i in 1..80 {
                s.push_str(&format!(
                    "  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
                    i - 1,
                    i - 1
                ));
            }
            s.push_str("}\nresource \"azurerm_key_vault\" \"kv\" {\n  name = local.l79\n}\n");
            s
        }),
        (
            "self",
            "locals {\n  a = local.b\n  b = [local.a, local.a]\n}\nresource \"azurerm_key_vault\" \"kv\" {\n  name = local.a\n}\n",
        ),
        (
            "modules",
            "module \"again\" {\n  source = \"./\"\n}\nresource \"azurerm_key_vault\" \"kv\" {\n  name = \"x\"\n}\n",
        ),
    ] {
        let dir = module(&[("main.tf", body)]);
        let start = std::time::Instant::now();
        let r = run_in(
            dir.path(),
            &["check", ".", "--select", "AKL003", "--format", "json"],
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{name}: too slow"
        );
        assert!(!r.stderr.contains("panicked"), "{name}: {r:?}");
        let ids: Vec<String> = findings(&r).into_iter().map(|f| f.0).collect();
        let expect_limit = matches!(name, "range" | "for_each" | "doubling");
        assert_eq!(
            ids.contains(&"AKL003".to_string()),
            expect_limit,
            "{name}: {r:?}"
        );
        assert!(!ids.contains(&"AKL004".to_string()), "{name}: {r:?}");
    }
}

#[test]
fn sensitive_values_are_never_printed() {
    let secret = "s3cr3t-value-from-tfvars";
    let dir = module(&[
        (
            "main.tf",
            r#"variable "client_secret" {
  sensitive = true
}
resource "azurerm_kubernetes_cluster" "this" {
  name = "aks"
  service_principal {
    client_id     = "app"
    client_secret = var.client_secret
  }
}
"#,
        ),
        (
            "terraform.tfvars",
            &format!("client_secret = \"{secret}\"\n"),
        ),
    ]);
    for format in ["human", "json", "sarif", "github", "concise"] {
        let r = run_in(dir.path(), &["check", ".", "--format", format]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{format}: {r:?}"
        );
    }
    let r = run_in(dir.path(), &["resources", "."]);
    assert!(!r.stdout.contains(secret), "{r:?}");
    assert!(r.stdout.contains("(sensitive)"), "{r:?}");
}

#[test]
fn suppression_comments_work_in_tf_files() {
    let dir = module(&[(
        "main.tf",
        "resource \"azurerm_container_registry\" \"acr\" {\n  # akslint-ignore SEC006 reason: legacy pipeline\n  admin_enabled = true\n  anonymous_pull_enabled = true // akslint-ignore AUTH006 reason: public mirror\n}\n",
    )]);
    let r = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--select",
            "SEC006,AUTH006,AKL002",
            "--format",
            "json",
        ],
    );
    assert_eq!(findings(&r), Vec::<(String, String, u64)>::new(), "{r:?}");
    assert_eq!(r.code, 0);
}

#[test]
fn discovery_groups_module_files_and_leaves_called_modules_to_their_callers() {
    let dir = module(&[
        (
            "infra/main.tf",
            "module \"aks\" {\n  source = \"./modules/aks\"\n}\n",
        ),
        ("infra/vars.tf", "variable \"x\" { default = 1 }\n"),
        (
            "infra/modules/aks/main.tf",
            "resource \"azurerm_container_registry\" \"acr\" {\n  admin_enabled = true\n}\n",
        ),
        (
            "infra/.terraform/modules/other/main.tf",
            "resource \"azurerm_container_registry\" \"hidden\" {\n  admin_enabled = true\n}\n",
        ),
    ]);
    // A walk: the child is linted once, through its caller.
    let r = run_in(
        dir.path(),
        &["check", ".", "--select", "SEC006", "--format", "json"],
    );
    let j = r.json();
    let names: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["module.aks.azurerm_container_registry.acr"],
        "{r:?}"
    );
    // Naming one file lints its whole module.
    let r = run_in(
        dir.path(),
        &[
            "check",
            "infra/vars.tf",
            "--select",
            "SEC006",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        findings(&r),
        [(
            "SEC006".to_string(),
            "infra/modules/aks/main.tf".to_string(),
            2
        )]
    );
    // Naming the child lints it as a root module.
    let r = run_in(
        dir.path(),
        &[
            "check",
            "infra/modules/aks",
            "--select",
            "SEC006",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        r.json()["findings"][0]["resource"]["name"],
        "azurerm_container_registry.acr"
    );
}

#[test]
fn modules_outside_the_root_or_not_installed_are_named_as_not_linted() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "main.tf",
        "resource \"azurerm_container_registry\" \"acr\" {\n  admin_enabled = true\n}\n",
    );
    let dir = module(&[(
        "main.tf",
        &format!(
            "module \"far\" {{\n  source = \"../{}\"\n}}\nmodule \"reg\" {{\n  source  = \"Azure/aks/azurerm\"\n  version = \"9.0.0\"\n}}\n",
            outside.path().file_name().unwrap().to_string_lossy()
        ),
    )]);
    let r = run_in(dir.path(), &["check", ".", "--statistics"]);
    assert!(r.stdout.contains("2 resources not linted"), "{r:?}");
    assert!(r.stdout.contains("outside the scanned root"), "{r:?}");
    assert!(r.stdout.contains("not installed"), "{r:?}");
    // Installed by `terraform init`: read from modules.json's directory.
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        "{\"Modules\":[{\"Key\":\"\",\"Source\":\"\",\"Dir\":\".\"},{\"Key\":\"reg\",\"Source\":\"registry.terraform.io/Azure/aks/azurerm\",\"Dir\":\".terraform/modules/reg\"}]}",
    );
    write(
        dir.path(),
        ".terraform/modules/reg/main.tf",
        "resource \"azurerm_container_registry\" \"acr\" {\n  admin_enabled = true\n}\n",
    );
    let r = run_in(
        dir.path(),
        &["check", ".", "--select", "SEC006", "--format", "json"],
    );
    assert_eq!(
        findings(&r),
        [(
            "SEC006".to_string(),
            ".terraform/modules/reg/main.tf".to_string(),
            2
        )]
    );
}

/// (id, resource name) of every finding of `check ARGS --format json` run in the crate root.
fn ids_on_resources(args: &[&str]) -> Vec<(String, String)> {
    let mut a = vec!["check", "--format", "json"];
    a.extend_from_slice(args);
    let r = run_in(&common::root(), &a);
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    let mut v: Vec<(String, String)> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["resource"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_module_and_the_plan_made_from_it_give_the_same_findings_on_the_same_resources() {
    let base = common::root().join("testdata/terraform/differential");
    let mut cases = 0;
    for entry in std::fs::read_dir(&base).unwrap() {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let src = format!("testdata/terraform/differential/{name}/src");
        let plan = format!("testdata/terraform/differential/{name}/plan");
        let from_source = ids_on_resources(&[&src]);
        let from_plan = ids_on_resources(&[&plan]);
        assert!(
            !from_source.is_empty(),
            "{name}: no findings: the test could not fail"
        );
        assert_eq!(from_source, from_plan, "{name}");
        // Together (the plan naming its sources): each resource is checked once, the plan's
        // values win, and the findings land on the `.tf` lines.
        let together = ids_on_resources(&[&plan, &src, "--tf-root", &src]);
        assert_eq!(together, from_plan, "{name}");
        let r = run_in(
            &common::root(),
            &["check", "--format", "json", &plan, &src, "--tf-root", &src],
        );
        for f in r.json()["findings"].as_array().unwrap() {
            assert_eq!(f["path"], format!("{src}/main.tf"), "{f}");
            assert_eq!(f["related"][0]["path"], format!("{plan}/plan.json"), "{f}");
        }
        cases += 1;
    }
    assert!(cases >= 1);
}

#[test]
fn unsaved_text_of_one_file_is_linted_with_the_rest_of_its_module_from_disk() {
    use std::io::Write;
    let dir = module(&[
        (
            "main.tf",
            "resource \"azurerm_container_registry\" \"acr\" {\n  admin_enabled = var.admin\n}\n",
        ),
        ("vars.tf", "variable \"admin\" {\n  default = false\n}\n"),
    ]);
    let real = std::fs::canonicalize(dir.path()).unwrap();
    let name = real.join("vars.tf").to_string_lossy().into_owned();
    // The editor's buffer of vars.tf (as the language server passes it): admin now true.
    let mut child = common::command(&real)
        .args([
            "check",
            "-",
            "--stdin-filename",
            &name,
            ".",
            "--select",
            "SEC006",
            "--format",
            "json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"variable \"admin\" {\n  default = true\n}\n")
        .unwrap();
    let r = common::finish(child.wait_with_output().unwrap());
    assert_eq!(
        findings(&r),
        [(
            "SEC006".to_string(),
            real.join("main.tf").to_string_lossy().into_owned(),
            2
        )],
        "{r:?}"
    );
    // On disk it is false: nothing.
    let r = run_in(
        &real,
        &["check", ".", "--select", "SEC006", "--format", "json"],
    );
    assert!(findings(&r).is_empty(), "{r:?}");
}
