//! The Bicep benchmark (not a timed test):
//!
//! ```text
//! cargo bench --bench bicep [-- --corpus DIR] [--runs N]
//! ```
//!
//! 1. Parser throughput (MB/s, MB = 10^6 bytes) over every `.bicep` under the corpus
//!    (default `../shared/corpus/arm`), each file parsed `--runs` times (default 20), median.
//! 2. A generated 1,000-resource `.bicep` (clusters with looped node pools, registries with
//!    private endpoints, key vaults, role assignments; parameters, variables, interpolation,
//!    ternaries, lambdas): parse + evaluate + check through `engine::run`, median of `--runs`
//!    runs, one thread. Goal: under 50 ms.
#![allow(clippy::print_stdout)] // reports its measurements on stdout

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use akslint::adapt::bicep::syntax;
use akslint::confine::ScanRoot;
use akslint::discover::{Input, Origin};
use akslint::engine::{self, Options};
use akslint::policy::PolicySet;

// As the `akslint` binary does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bicep_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            bicep_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "bicep") {
            out.push(p);
        }
    }
}

/// A template of `n` resources (a quarter each: clusters, registries + private endpoints, key
/// vaults, role assignments).
pub fn generate(n: usize) -> String {
    let mut t = String::from(
        "targetScope = 'resourceGroup'\n\n@description('Where everything goes')\nparam location string = 'westeurope'\nparam env string = 'prod'\n@secure()\nparam adminPassword string\nparam pools array = [\n  { name: 'system', count: 3, mode: 'System' }\n  { name: 'user', count: 5, mode: 'User' }\n]\n\nvar prefix = 'p-${env}'\nvar isProd = env == 'prod'\nvar roles = {\n  Reader: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')\n  AcrPull: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')\n}\n\n",
    );
    let per = n / 5;
    for i in 0..per {
        let insecure = i % 3 == 0;
        t.push_str(&format!(
            "resource aks{i} 'Microsoft.ContainerService/managedClusters@2025-10-01' = {{\n  name: '${{prefix}}-aks-{i}'\n  location: location\n  identity: {{\n    type: 'SystemAssigned'\n  }}\n  properties: {{\n    disableLocalAccounts: {}\n    enableRBAC: true\n    aadProfile: {{\n      managed: true\n      enableAzureRBAC: isProd\n    }}\n    apiServerAccessProfile: {{\n      enablePrivateCluster: isProd ? true : false\n    }}\n    networkProfile: {{\n      networkPolicy: empty(env) ? 'none' : 'cilium'\n    }}\n    agentPoolProfiles: map(pools, p => {{\n      name: p.name\n      count: p.count\n      mode: p.mode\n      osSKU: 'AzureLinux'\n      enableNodePublicIP: {}\n    }})\n  }}\n}}\n\n",
            !insecure, insecure
        ));
        t.push_str(&format!(
            "resource acr{i} 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: 'acr{i}${{env}}'\n  location: location\n  sku: {{\n    name: 'Premium'\n  }}\n  properties: {{\n    adminUserEnabled: {insecure}\n    publicNetworkAccess: isProd ? 'Disabled' : 'Enabled'\n  }}\n}}\n\nresource pe{i} 'Microsoft.Network/privateEndpoints@2023-05-01' = {{\n  name: 'pe-acr-{i}'\n  location: location\n  properties: {{\n    privateLinkServiceConnections: [\n      {{\n        name: 'acr'\n        properties: {{\n          privateLinkServiceId: acr{i}.id\n          groupIds: ['registry']\n        }}\n      }}\n    ]\n  }}\n}}\n\n"
        ));
        t.push_str(&format!(
            "resource kv{i} 'Microsoft.KeyVault/vaults@2023-07-01' = {{\n  name: 'kv-{i}-${{env}}'\n  location: location\n  properties: {{\n    tenantId: tenant().tenantId\n    enableRbacAuthorization: true\n    enablePurgeProtection: {}\n    publicNetworkAccess: 'Disabled'\n  }}\n}}\n\nresource ra{i} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid(acr{i}.id, 'pull')\n  scope: acr{i}\n  properties: {{\n    roleDefinitionId: roles.AcrPull\n    principalId: '00000000-0000-0000-0000-00000000000{}'\n  }}\n}}\n\n",
            !insecure,
            i % 10
        ));
    }
    t
}

fn main() {
    let mut corpus = PathBuf::from("../shared/corpus/arm");
    let mut runs = 20usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--corpus" => {
                corpus = PathBuf::from(args.get(i + 1).cloned().unwrap_or_default());
                i += 1;
            }
            "--runs" => {
                runs = args
                    .get(i + 1)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(20)
                    .max(1);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }

    let mut files = Vec::new();
    bicep_files(&corpus, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    if bytes > 0 {
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            for t in &texts {
                std::hint::black_box(syntax::parse(t, 0).is_ok());
            }
            times.push(start.elapsed());
        }
        let m = median(times);
        println!(
            "parser: {} files, {:.2} MB, median {:.2} ms per pass: {:.1} MB/s",
            texts.len(),
            bytes as f64 / 1e6,
            m.as_secs_f64() * 1e3,
            bytes as f64 / 1e6 / m.as_secs_f64()
        );
    } else {
        println!("parser: no .bicep under {} (skipped)", corpus.display());
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("main.bicep");
    let text = generate(1000);
    std::fs::write(&path, &text).expect("write");
    let set = PolicySet::load(&[]).expect("policies");
    let input = Input {
        display: "main.bicep".into(),
        origin: Origin::File(path),
        explicit: true,
        root: ScanRoot::at(dir.path()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let mut times = Vec::new();
    let mut resources = 0;
    let mut findings = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let r =
            pool.install(|| engine::run(std::slice::from_ref(&input), &set, &Options::default()));
        times.push(start.elapsed());
        resources = r.files.iter().map(|f| f.resources).sum();
        findings = r.findings.len();
    }
    let m = median(times);
    // The same without the checks: parse and evaluate only.
    let parse_only = Options {
        parse_only: true,
        ..Default::default()
    };
    let mut eval_times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        pool.install(|| engine::run(std::slice::from_ref(&input), &set, &parse_only));
        eval_times.push(start.elapsed());
    }
    println!(
        "  of which parse + evaluate: median {:.1} ms",
        median(eval_times).as_secs_f64() * 1e3
    );
    println!(
        "1,000-resource .bicep ({:.0} KB, {resources} resources, {findings} findings): median {:.1} ms (parse + evaluate + check, one thread; goal < 50 ms)",
        text.len() as f64 / 1e3,
        m.as_secs_f64() * 1e3
    );
}
