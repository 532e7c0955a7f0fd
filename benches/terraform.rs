//! Terraform source (`.tf` without a plan): wall time of the release CLI on a generated module
//! of 1,000 resource blocks (start-up included), and hcl-edit's parse speed.
//!
//! ```text
//! cargo bench --bench terraform -- [--resources 1000] [--runs 15] [--corpus ../shared/corpus/tf]
//! ```
//!
//! The module: variables with defaults and a `terraform.tfvars`, locals (a map per stamp,
//! `merge`, `for` expressions), and per stamp a cluster (`dynamic` node pools, blocks), a
//! registry (`count`), a key vault, role assignments (`for_each`) and a private endpoint
//! referring to the registry, so the evaluator, the relations (NET005) and the policies all
//! work. The CLI is `target/release/akslint` (built first by `cargo bench`); the figure is the
//! median of `--runs` runs of `akslint check DIR --format json --no-config`. The corpus
//! measurement parses every `.tf` file under `--corpus` with `hcl_edit::parser::parse_body`
//! (no evaluation) and reports MB/s (MB = 10^6 bytes), the median of 5 passes.
#![allow(clippy::print_stdout)] // reports its measurements on stdout

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn module(resources: usize) -> String {
    let stamps = resources.div_ceil(5);
    let mut s = String::new();
    s.push_str(
        "variable \"location\" {\n  default = \"westeurope\"\n}\n\nvariable \"private\" {\n  type    = bool\n  default = false\n}\n\n",
    );
    s.push_str("locals {\n  stamps = {\n");
    for i in 0..stamps {
        let _ = writeln!(
            s,
            "    s{i:04} = {{ pools = {}, public = {}, ranges = [\"10.{}.0.0/16\"] }}",
            1 + i % 3,
            i % 3 == 0,
            i % 250
        );
    }
    s.push_str("  }\n  tags = merge({ owner = \"platform\" }, { cost = upper(\"aks\") })\n}\n\n");
    for i in 0..stamps {
        let _ = write!(
            s,
            r#"resource "azurerm_kubernetes_cluster" "c{i:04}" {{
  name                    = "aks-{i:04}-${{var.location}}"
  location                = var.location
  local_account_disabled  = {local}
  private_cluster_enabled = var.private || {private}
  oidc_issuer_enabled     = true
  tags                    = local.tags

  default_node_pool {{
    name    = "system"
    os_sku  = "AzureLinux"
    vm_size = "Standard_D4s_v5"
  }}

  dynamic "api_server_access_profile" {{
    for_each = local.stamps["s{i:04}"].public ? [1] : []
    content {{
      authorized_ip_ranges = local.stamps["s{i:04}"].ranges
    }}
  }}

  identity {{
    type = "SystemAssigned"
  }}

  network_profile {{
    network_plugin = "azure"
    network_policy = "cilium"
  }}
}}

resource "azurerm_kubernetes_cluster_node_pool" "p{i:04}" {{
  count                 = local.stamps["s{i:04}"].pools
  name                  = "pool${{count.index}}"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.c{i:04}.id
  os_sku                = count.index == 0 ? "AzureLinux" : "Ubuntu"
}}

resource "azurerm_container_registry" "r{i:04}" {{
  name                          = "acr{i:04}"
  admin_enabled                 = {admin}
  public_network_access_enabled = false
}}

resource "azurerm_private_endpoint" "e{i:04}" {{
  name = "pe-{i:04}"
  private_service_connection {{
    name                           = "psc"
    private_connection_resource_id = azurerm_container_registry.r{i:04}.id
    is_manual_connection           = false
  }}
}}

resource "azurerm_role_assignment" "a{i:04}" {{
  for_each             = toset(["Reader", "{role}"])
  scope                = azurerm_kubernetes_cluster.c{i:04}.id
  role_definition_name = each.key
  principal_id         = "00000000-0000-0000-0000-000000000000"
}}

"#,
            local = i % 4 != 0,
            private = i % 2 == 0,
            admin = i % 5 == 0,
            role = if i % 6 == 0 { "Owner" } else { "AcrPull" },
        );
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            tf_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf") {
            out.push(p);
        }
    }
}

fn main() {
    let resources: usize = arg("--resources")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runs: usize = arg("--runs").and_then(|v| v.parse().ok()).unwrap_or(15);
    let dir = tempfile::tempdir().expect("temp dir");
    let text = module(resources);
    std::fs::write(dir.path().join("main.tf"), &text).expect("write module");
    std::fs::write(
        dir.path().join("terraform.tfvars"),
        "location = \"northeurope\"\n",
    )
    .expect("write tfvars");
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/akslint");
    let run = || {
        std::process::Command::new(&bin)
            .args(["check", "--no-config", "--format", "json"])
            .arg(dir.path())
            .output()
            .expect("akslint runs")
    };
    let first = run();
    let report: serde_json::Value =
        serde_json::from_slice(&first.stdout).expect("akslint prints JSON");
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    let linted = report["summary"]["resources"].as_u64().unwrap_or(0);
    let times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .collect();
    println!(
        "terraform source: {} resource blocks ({} instances linted), {:.1} KB, {} findings: median {:.1} ms over {runs} runs (min {:.1} ms, CLI start-up included)",
        text.matches("\nresource ").count() + usize::from(text.starts_with("resource ")),
        linted,
        text.len() as f64 / 1e3,
        findings,
        median(times.clone()).as_secs_f64() * 1e3,
        times.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
    let corpus = arg("--corpus")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/tf"));
    let mut files = Vec::new();
    tf_files(&corpus, &mut files);
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    if bytes == 0 {
        println!("hcl-edit: no .tf files under {}", corpus.display());
        return;
    }
    let passes: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let mut ok = 0;
            for text in &texts {
                ok += usize::from(hcl_edit::parser::parse_body(text).is_ok());
            }
            assert!(ok > 0);
            t.elapsed()
        })
        .collect();
    let m = median(passes);
    println!(
        "hcl-edit parse_body: {} files, {:.2} MB in {:.1} ms: {:.1} MB/s (median of 5)",
        texts.len(),
        bytes as f64 / 1e6,
        m.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / m.as_secs_f64()
    );
    let t = Instant::now();
    hcl_edit::parser::parse_body(&text).expect("generated module parses");
    println!(
        "hcl-edit parse_body of the generated module: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
