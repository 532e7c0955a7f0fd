//! Writes the corpora of the scaling and memory benchmark (`scripts/bench-scale.sh`), all
//! deterministic from one seed (xorshift64*, no other dependency):
//!
//! ```text
//! cargo bench --bench generate -- --out DIR [--k8s-files 1,100,10000] [--plan-mb 50]
//!     [--template-mb 10] [--seed S] [--plan-minified]
//! ```
//!
//! - `DIR/k8s-N/app-NNNNN.yaml`: N Kubernetes files of 8–15 KB from `common/k8s_gen.rs`, the
//!   generator of the `throughput` bench (same seed by default, so the same files as its
//!   `--dump`); a comma list writes one directory per count, each a prefix of the largest.
//! - `DIR/plan-<M>mb/plan.json`: one Terraform plan (`terraform show -json`, format 1.2) of
//!   about M MB: a `platform` module per stamp (for_each) with `aks`, `registry`, `keyvault`,
//!   `storage` and `apps` (count) child modules: azurerm clusters, node pools, role
//!   assignments, key vaults, registries, storage accounts, private endpoints, federated
//!   credentials and filler (NSGs with many rules, web apps with large app settings, tags), in
//!   `planned_values`, `resource_changes` (create / update / no-op / replace / delete, with
//!   `after_unknown` and `after_sensitive`), `prior_state` (the resources that exist) and
//!   `configuration`. Pretty-printed with two spaces, as `terraform show -json | jq .` would
//!   be; `--plan-minified` writes the single line `terraform show -json` itself prints.
//! - `DIR/template-<M>mb/main.json`: one compiled-Bicep ARM template of about M MB: parameters
//!   with defaults, variables, a virtual network with a property copy loop, edge clusters in a
//!   resource copy loop, and per stamp a `Microsoft.Resources/deployments` module (inner scope,
//!   some with `languageVersion` 2.0 and `existing` resources, some in a copy loop) holding a
//!   managed cluster built from `parameters()`, `variables()`, `if()`, `concat()`,
//!   `format()`, `resourceId()`, copy-looped agent pools, role assignments, federated
//!   credentials, and nested registry and key-vault modules; plus filler resources.
//!
//! About a third of the stamps are insecure in some way (public API server, local accounts,
//! `0.0.0.0/0`, admin user on the registry, Owner role assignments, node public IPs, ...), so
//! policies fire sometimes. One summary line per corpus: files, total bytes, largest file.
//! MB = 10^6 bytes.
#![allow(clippy::print_stdout)] // reports its measurements / notes on stdout

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "common/k8s_gen.rs"]
mod k8s_gen;

use k8s_gen::Rng;

struct Args {
    out: PathBuf,
    k8s: Vec<usize>,
    plan_mb: f64,
    template_mb: f64,
    seed: u64,
    plan_minified: bool,
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("generate: {msg}");
    }
    eprintln!(
        "usage: cargo bench --bench generate -- --out DIR [--k8s-files N[,N...]] [--plan-mb 50] [--template-mb 10] [--seed S] [--plan-minified]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        out: PathBuf::new(),
        k8s: vec![1, 100, 10_000],
        plan_mb: 50.0,
        template_mb: 10.0,
        seed: k8s_gen::DEFAULT_SEED,
        plan_minified: false,
    };
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out"))),
            "--k8s-files" => {
                a.k8s = value("--k8s-files")
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .unwrap_or_else(|_| usage("bad --k8s-files"))
                    })
                    .filter(|&n: &usize| n > 0)
                    .collect();
            }
            "--plan-mb" => {
                a.plan_mb = value("--plan-mb")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --plan-mb"))
            }
            "--template-mb" => {
                a.template_mb = value("--template-mb")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --template-mb"))
            }
            "--seed" => {
                let v = value("--seed");
                let parsed = match v.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
                    None => v.replace('_', "").parse(),
                };
                a.seed = parsed.unwrap_or_else(|_| usage("bad --seed"));
                if a.seed == 0 {
                    usage("--seed must not be 0");
                }
            }
            "--plan-minified" => a.plan_minified = true,
            "-h" | "--help" => usage(""),
            // `cargo bench` passes `--bench`; ignore it and any filter string.
            _ => {}
        }
    }
    a.out = out.unwrap_or_else(|| usage("--out DIR is required"));
    a.k8s.sort_unstable();
    a.k8s.dedup();
    a
}

fn main() {
    let args = parse_args();
    let t = std::time::Instant::now();
    std::fs::create_dir_all(&args.out).unwrap_or_else(|e| {
        eprintln!("generate: cannot create {}: {e}", args.out.display());
        std::process::exit(2)
    });
    if !args.k8s.is_empty() {
        write_k8s(&args.out, &args.k8s, args.seed);
    }
    if args.plan_mb > 0.0 {
        let name = format!("plan-{}mb", mb_label(args.plan_mb));
        let mut g = PlanGen::new(sub_seed(args.seed, 0x7066), !args.plan_minified);
        let text = g.plan((args.plan_mb * 1e6) as usize);
        write_single(&args.out, &name, "plan.json", &text);
    }
    if args.template_mb > 0.0 {
        let name = format!("template-{}mb", mb_label(args.template_mb));
        let mut g = ArmGen::new(sub_seed(args.seed, 0x6172));
        let text = g.template((args.template_mb * 1e6) as usize);
        write_single(&args.out, &name, "main.json", &text);
    }
    eprintln!(
        "generate: done in {:.1} s under {}",
        t.elapsed().as_secs_f64(),
        args.out.display()
    );
}

fn mb_label(mb: f64) -> String {
    if mb.fract() == 0.0 {
        format!("{}", mb as u64)
    } else {
        format!("{mb}")
    }
}

/// A non-zero seed per corpus (splitmix64 of the seed and a tag).
fn sub_seed(seed: u64, tag: u64) -> u64 {
    let mut z = seed ^ tag.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).max(1)
}

/// A fresh directory `out/name` (only that directory is removed first).
fn fresh_dir(out: &Path, name: &str) -> PathBuf {
    let dir = out.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove old corpus directory");
    }
    std::fs::create_dir_all(&dir).expect("create corpus directory");
    dir
}

fn summary(name: &str, files: usize, total: u64, largest: u64) {
    println!(
        "{name}: {files} files, {total} bytes ({:.2} MB), largest file {largest} bytes ({:.2} MB)",
        total as f64 / 1e6,
        largest as f64 / 1e6
    );
}

fn write_k8s(out: &Path, counts: &[usize], seed: u64) {
    let max = counts.iter().copied().max().unwrap_or(0);
    let dirs: Vec<(usize, PathBuf)> = counts
        .iter()
        .map(|&n| (n, fresh_dir(out, &format!("k8s-{n}"))))
        .collect();
    let mut stats = vec![(0u64, 0u64); counts.len()];
    let mut g = k8s_gen::Gen::new(seed);
    for i in 0..max {
        let text = g.file(i);
        let name = format!("app-{i:05}.yaml");
        for ((n, dir), (total, largest)) in dirs.iter().zip(&mut stats) {
            if i < *n {
                std::fs::write(dir.join(&name), text.as_bytes()).expect("write k8s file");
                *total += text.len() as u64;
                *largest = (*largest).max(text.len() as u64);
            }
        }
    }
    for ((n, _), (total, largest)) in dirs.iter().zip(&stats) {
        summary(&format!("k8s-{n}"), *n, *total, *largest);
    }
}

fn write_single(out: &Path, dir_name: &str, file: &str, text: &str) {
    let dir = fresh_dir(out, dir_name);
    std::fs::write(dir.join(file), text.as_bytes()).expect("write corpus file");
    summary(dir_name, 1, text.len() as u64, text.len() as u64);
}

// ---------------------------------------------------------------------------------------------
// A small ordered JSON value and writer (keys keep the order given; `Raw` is text already
// written at the same indentation level).

#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    Raw(String),
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_string())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> J {
        J::Str(s.clone())
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}
impl From<i64> for J {
    fn from(i: i64) -> J {
        J::Int(i)
    }
}
impl From<usize> for J {
    fn from(i: usize) -> J {
        J::Int(i as i64)
    }
}
impl From<Vec<J>> for J {
    fn from(v: Vec<J>) -> J {
        J::Arr(v)
    }
}
impl From<Option<J>> for J {
    fn from(v: Option<J>) -> J {
        v.unwrap_or(J::Null)
    }
}

macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        J::Obj(vec![$((String::from($k), J::from($v))),*])
    };
}

macro_rules! arr {
    ($($v:expr),* $(,)?) => {
        J::Arr(vec![$(J::from($v)),*])
    };
}

impl J {
    fn push(&mut self, key: &str, value: impl Into<J>) {
        if let J::Obj(entries) = self {
            entries.push((key.to_string(), value.into()));
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut J> {
        match self {
            J::Obj(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            J::Arr(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
    }

    fn remove(&mut self, key: &str) -> Option<J> {
        match self {
            J::Obj(entries) => {
                let i = entries.iter().position(|(k, _)| k == key)?;
                Some(entries.remove(i).1)
            }
            _ => None,
        }
    }

    /// Sorts object keys at every level (Terraform prints attributes sorted).
    fn sort_keys(&mut self) {
        match self {
            J::Obj(entries) => {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries.iter_mut().for_each(|(_, v)| v.sort_keys());
            }
            J::Arr(items) => items.iter_mut().for_each(J::sort_keys),
            _ => {}
        }
    }

    fn write(&self, pretty: bool, level: usize) -> String {
        let mut out = String::new();
        write_json(&mut out, self, pretty, level);
        out
    }
}

fn newline(out: &mut String, pretty: bool, level: usize) {
    if pretty {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(out: &mut String, j: &J, pretty: bool, level: usize) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(i) => {
            let _ = write!(out, "{i}");
        }
        J::Str(s) => write_str(out, s),
        J::Raw(r) => out.push_str(r),
        J::Arr(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, level + 1);
                write_json(out, x, pretty, level + 1);
            }
            newline(out, pretty, level);
            out.push(']');
        }
        J::Obj(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, level + 1);
                write_str(out, k);
                out.push_str(if pretty { ": " } else { ":" });
                write_json(out, v, pretty, level + 1);
            }
            newline(out, pretty, level);
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared random helpers.

fn guid(r: &mut Rng) -> String {
    let a = r.next();
    let b = r.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn hex(r: &mut Rng, n: usize) -> String {
    let mut s = String::with_capacity(n + 16);
    while s.len() < n {
        let _ = write!(s, "{:016x}", r.next());
    }
    s.truncate(n);
    s
}

fn b64(r: &mut Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(n + 2);
    while s.len() < n {
        let x = r.next();
        for k in 0..10 {
            s.push(A[((x >> (k * 6)) & 63) as usize] as char);
        }
    }
    s.truncate(n);
    s.push_str("==");
    s
}

fn word(r: &mut Rng, xs: &[&str]) -> String {
    r.pick(xs).to_string()
}

const REGIONS: &[(&str, &str)] = &[
    ("weu", "westeurope"),
    ("neu", "northeurope"),
    ("eus", "eastus"),
    ("eus2", "eastus2"),
    ("wus3", "westus3"),
    ("sea", "southeastasia"),
    ("uks", "uksouth"),
    ("gwc", "germanywestcentral"),
];
const TEAMS: &[&str] = &[
    "payments",
    "checkout",
    "identity",
    "search",
    "catalog",
    "data",
    "ml",
    "platform",
    "web",
    "mobile",
    "billing",
    "logistics",
];
const ENVS: &[&str] = &["dev", "test", "staging", "prod"];
const VM_SIZES: &[&str] = &[
    "Standard_D4ds_v5",
    "Standard_D8ds_v5",
    "Standard_E8ds_v5",
    "Standard_D4as_v5",
    "Standard_F8s_v2",
    "Standard_NC6s_v3",
];
const K8S_VERSIONS: &[&str] = &["1.29.9", "1.30.5", "1.30.6", "1.31.2"];
const APP_SETTING_KEYS: &[&str] = &[
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "ASPNETCORE_ENVIRONMENT",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
    "KeyVault__Uri",
    "ConnectionStrings__Default",
    "ServiceBus__Namespace",
    "Storage__Account",
    "Redis__Host",
    "FeatureManagement__NewCheckout",
    "Logging__LogLevel__Default",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "AZURE_CLIENT_ID",
    "DOCKER_REGISTRY_SERVER_URL",
    "Cors__AllowedOrigins",
    "Auth__Authority",
    "Auth__Audience",
    "Cache__TtlSeconds",
    "Worker__Concurrency",
    "Search__Endpoint",
];

/// Tags with a few fixed keys and `n` extra ones.
fn tags(r: &mut Rng, team: &str, env: &str, n: usize) -> J {
    let mut t = obj! {
        "environment" => env,
        "team" => team,
        "cost-center" => format!("cc-{}", r.range(1000, 9999)),
        "owner" => format!("{team}-owners@contoso.com"),
        "managed-by" => "terraform",
    };
    for i in 0..n {
        t.push(
            &format!(
                "{}-{i:02}",
                word(r, &["app", "svc", "compliance", "data", "ops"])
            ),
            format!(
                "{}-{}",
                word(
                    r,
                    &[
                        "gold",
                        "silver",
                        "bronze",
                        "internal",
                        "confidential",
                        "pii"
                    ]
                ),
                r.range(1, 999)
            ),
        );
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Terraform plan.

const AZURERM: &str = "registry.terraform.io/hashicorp/azurerm";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    NoOp,
    Replace,
    Delete,
}

/// One resource instance of the plan.
struct TfRes {
    ty: &'static str,
    name: &'static str,
    index: Option<J>,
    schema_version: i64,
    /// Every attribute as it will be after apply, computed ones included.
    values: J,
    /// Attributes only known after apply when the resource is created (dotted paths).
    computed: Vec<&'static str>,
    /// Sensitive attributes (dotted paths).
    sensitive: Vec<&'static str>,
    /// `configuration` expressions of the declaration.
    exprs: J,
    /// `count_expression` / `for_each_expression` of the declaration.
    repeat: Option<(&'static str, J)>,
    action: Action,
}

struct TfModule {
    call: &'static str,
    source: &'static str,
    key: Option<J>,
    address: String,
    call_exprs: J,
    repeat: Option<(&'static str, J)>,
    resources: Vec<TfRes>,
    children: Vec<TfModule>,
}

fn index_suffix(index: &Option<J>) -> String {
    match index {
        Some(J::Int(i)) => format!("[{i}]"),
        Some(J::Str(s)) => format!("[\"{s}\"]"),
        _ => String::new(),
    }
}

fn address(module: &str, r: &TfRes) -> String {
    let own = format!("{}.{}{}", r.ty, r.name, index_suffix(&r.index));
    if module.is_empty() {
        own
    } else {
        format!("{module}.{own}")
    }
}

/// Follows a dotted path (numeric parts index arrays), creating objects on the way.
fn path_mut<'a>(j: &'a mut J, path: &[&str]) -> Option<&'a mut J> {
    let mut cur = j;
    for p in path {
        if let J::Obj(entries) = cur
            && !entries.iter().any(|(k, _)| k == p)
        {
            entries.push((p.to_string(), J::Obj(Vec::new())));
        }
        cur = cur.get_mut(p)?;
    }
    Some(cur)
}

fn remove_path(j: &mut J, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parent) = parts.split_last().expect("non-empty path");
    if let Some(p) = walk(j, parent) {
        p.remove(last);
    }
}

fn walk<'a>(j: &'a mut J, path: &[&str]) -> Option<&'a mut J> {
    let mut cur = j;
    for p in path {
        cur = cur.get_mut(p)?;
    }
    Some(cur)
}

/// `after_unknown` / `after_sensitive` shape of known values: objects and lists keep their
/// structure, primitives are left out of objects and `false` in lists.
fn skeleton(v: &J) -> J {
    match v {
        J::Obj(entries) => J::Obj(
            entries
                .iter()
                .filter(|(_, v)| matches!(v, J::Obj(_) | J::Arr(_)))
                .map(|(k, v)| (k.clone(), skeleton(v)))
                .collect(),
        ),
        J::Arr(items) => J::Arr(
            items
                .iter()
                .map(|x| match x {
                    J::Obj(_) | J::Arr(_) => skeleton(x),
                    _ => J::Bool(false),
                })
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

fn mark(skel: &mut J, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parent) = parts.split_last().expect("non-empty path");
    if let Some(J::Obj(entries)) = path_mut(skel, parent) {
        match entries.iter_mut().find(|(k, _)| k == last) {
            Some((_, v)) => *v = J::Bool(true),
            None => entries.push((last.to_string(), J::Bool(true))),
        }
    }
}

/// The plan's pieces for one resource.
struct TfOut {
    planned: Option<J>,
    prior: Option<J>,
    change: J,
}

fn render_resource(module: &str, r: &TfRes, rng: &mut Rng) -> TfOut {
    let addr = address(module, r);
    let head = |values: J, sensitive: J| {
        let mut o = obj! {
            "address" => addr.clone(),
            "mode" => "managed",
            "type" => r.ty,
            "name" => r.name,
        };
        if let Some(i) = &r.index {
            o.push("index", i.clone());
        }
        o.push("provider_name", AZURERM);
        o.push("schema_version", r.schema_version);
        o.push("values", values);
        o.push("sensitive_values", sensitive);
        o
    };
    let mut full = r.values.clone();
    full.sort_keys();
    let sens_of = |v: &J| {
        let mut s = skeleton(v);
        for p in &r.sensitive {
            mark(&mut s, p);
        }
        s.sort_keys();
        s
    };
    // After apply: computed attributes are unknown on create / replace.
    let creates = matches!(r.action, Action::Create | Action::Replace);
    let mut after = full.clone();
    let mut unknown = skeleton(&after);
    if creates {
        for p in &r.computed {
            remove_path(&mut after, p);
        }
        unknown = skeleton(&after);
        for p in &r.computed {
            mark(&mut unknown, p);
        }
        unknown.sort_keys();
    }
    // Before: what exists today (an older tag, a different node count).
    let before = (r.action != Action::Create).then(|| {
        let mut b = full.clone();
        if matches!(r.action, Action::Update | Action::Replace | Action::Delete)
            && let Some(J::Obj(t)) = b.get_mut("tags")
        {
            t.retain(|(k, _)| k != "last-change");
            t.push((
                "last-change".into(),
                J::Str(format!(
                    "2026-{:02}-{:02}",
                    rng.range(1, 10),
                    rng.range(1, 28)
                )),
            ));
            b.sort_keys();
        }
        b
    });
    let actions = match r.action {
        Action::Create => arr!["create"],
        Action::Update => arr!["update"],
        Action::NoOp => arr!["no-op"],
        Action::Replace => arr!["delete", "create"],
        Action::Delete => arr!["delete"],
    };
    let deleted = r.action == Action::Delete;
    let mut change = obj! { "actions" => actions };
    change.push("before", before.clone());
    change.push("after", if deleted { J::Null } else { after.clone() });
    change.push(
        "after_unknown",
        if deleted {
            obj! {}
        } else {
            unknown.clone()
        },
    );
    change.push(
        "before_sensitive",
        before.as_ref().map_or(J::Bool(false), sens_of),
    );
    change.push(
        "after_sensitive",
        if deleted {
            J::Bool(false)
        } else {
            sens_of(&after)
        },
    );
    if r.action == Action::Replace {
        change.push("replace_paths", arr![arr!["name"]]);
    }
    let mut rc = obj! { "address" => addr.clone() };
    if !module.is_empty() {
        rc.push("module_address", module);
    }
    rc.push("mode", "managed");
    rc.push("type", r.ty);
    rc.push("name", r.name);
    if let Some(i) = &r.index {
        rc.push("index", i.clone());
    }
    rc.push("provider_name", AZURERM);
    rc.push("change", change);
    if r.action == Action::Replace {
        rc.push("action_reason", "replace_because_cannot_update");
    }
    let planned = (!deleted).then(|| head(after.clone(), sens_of(&after)));
    let prior = before.map(|b| {
        let s = sens_of(&b);
        head(b, s)
    });
    TfOut {
        planned,
        prior,
        change: rc,
    }
}

/// A module instance rendered: planned and prior module objects (None when empty) and its
/// changes, recursively.
fn render_module(m: &TfModule, rng: &mut Rng, changes: &mut Vec<J>) -> (Option<J>, Option<J>) {
    let mut planned = Vec::new();
    let mut prior = Vec::new();
    for r in &m.resources {
        let out = render_resource(&m.address, r, rng);
        planned.extend(out.planned);
        prior.extend(out.prior);
        changes.push(out.change);
    }
    let mut planned_children = Vec::new();
    let mut prior_children = Vec::new();
    for c in &m.children {
        let (p, q) = render_module(c, rng, changes);
        planned_children.extend(p);
        prior_children.extend(q);
    }
    let wrap = |resources: Vec<J>, children: Vec<J>| {
        if resources.is_empty() && children.is_empty() {
            return None;
        }
        let mut o = obj! {};
        if !resources.is_empty() {
            o.push("resources", resources);
        }
        o.push("address", m.address.clone());
        if !children.is_empty() {
            o.push("child_modules", children);
        }
        Some(o)
    };
    (wrap(planned, planned_children), wrap(prior, prior_children))
}

/// `configuration` of one module call, merged over every instance.
#[derive(Default)]
struct ConfTree {
    resources: Vec<(String, J)>,
    calls: Vec<(String, J, ConfTree)>,
}

impl ConfTree {
    fn add_resources(&mut self, m_resources: &[TfRes]) {
        for r in m_resources {
            let addr = format!("{}.{}", r.ty, r.name);
            if self.resources.iter().any(|(a, _)| *a == addr) {
                continue;
            }
            let mut o = obj! {
                "address" => addr.clone(),
                "mode" => "managed",
                "type" => r.ty,
                "name" => r.name,
                "provider_config_key" => "azurerm",
                "expressions" => r.exprs.clone(),
                "schema_version" => r.schema_version,
            };
            if let Some((k, e)) = &r.repeat {
                o.push(k, e.clone());
            }
            self.resources.push((addr, o));
        }
    }

    fn add_module(&mut self, m: &TfModule) {
        let i = match self.calls.iter().position(|(n, _, _)| n == m.call) {
            Some(i) => i,
            None => {
                let mut head = obj! {
                    "source" => m.source,
                    "expressions" => m.call_exprs.clone(),
                };
                if let Some((k, e)) = &m.repeat {
                    head.push(k, e.clone());
                }
                self.calls
                    .push((m.call.to_string(), head, ConfTree::default()));
                self.calls.len() - 1
            }
        };
        let tree = &mut self.calls[i].2;
        tree.add_resources(&m.resources);
        for c in &m.children {
            tree.add_module(c);
        }
    }

    fn to_json(&self, variables: J) -> J {
        let mut o = obj! {};
        if !self.resources.is_empty() {
            o.push(
                "resources",
                self.resources
                    .iter()
                    .map(|(_, j)| j.clone())
                    .collect::<Vec<_>>(),
            );
        }
        if !self.calls.is_empty() {
            let calls = self
                .calls
                .iter()
                .map(|(name, head, tree)| {
                    let mut h = head.clone();
                    h.push("module", tree.to_json(obj! {}));
                    (name.clone(), h)
                })
                .collect();
            o.push("module_calls", J::Obj(calls));
        }
        if let J::Obj(v) = &variables
            && !v.is_empty()
        {
            o.push("variables", variables);
        }
        o
    }
}

fn refs(xs: &[&str]) -> J {
    obj! { "references" => J::Arr(xs.iter().map(|x| J::from(*x)).collect()) }
}

fn constant(v: impl Into<J>) -> J {
    obj! { "constant_value" => v.into() }
}

/// What one stamp (a `platform` module instance) looks like.
struct Stamp {
    key: String,
    location: &'static str,
    team: &'static str,
    env: &'static str,
    rg: String,
    sub: String,
    tenant: String,
    /// 0 = hardened, 1 = mostly fine, 2 = insecure.
    posture: usize,
    exists: bool,
}

impl Stamp {
    fn id(&self, provider: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{provider}/{name}",
            self.sub, self.rg
        )
    }
}

struct PlanGen {
    r: Rng,
    pretty: bool,
    sub: String,
    tenant: String,
    admin_groups: Vec<String>,
}

impl PlanGen {
    fn new(seed: u64, pretty: bool) -> Self {
        let mut r = Rng(seed);
        let sub = guid(&mut r);
        let tenant = guid(&mut r);
        let admin_groups = (0..4).map(|_| guid(&mut r)).collect();
        PlanGen {
            r,
            pretty,
            sub,
            tenant,
            admin_groups,
        }
    }

    fn action(&mut self, stamp: &Stamp) -> Action {
        if !stamp.exists {
            return Action::Create;
        }
        match self.r.range(0, 99) {
            0..=54 => Action::NoOp,
            55..=89 => Action::Update,
            90..=92 => Action::Replace,
            _ => Action::NoOp,
        }
    }

    fn res(
        &mut self,
        stamp: &Stamp,
        ty: &'static str,
        name: &'static str,
        values: J,
        exprs: J,
    ) -> TfRes {
        let action = self.action(stamp);
        TfRes {
            ty,
            name,
            index: None,
            schema_version: 0,
            values,
            computed: vec!["id"],
            sensitive: Vec::new(),
            exprs,
            repeat: None,
            action,
        }
    }

    fn kube_config(&mut self, host: &str) -> J {
        let r = &mut self.r;
        arr![obj! {
            "client_certificate" => b64(r, 1800),
            "client_key" => b64(r, 3200),
            "cluster_ca_certificate" => b64(r, 2400),
            "host" => host,
            "password" => hex(r, 64),
            "username" => "clusterUser_aks",
        }]
    }

    fn cluster(&mut self, s: &Stamp) -> TfRes {
        let name = format!("aks-{}-{}", s.team, s.key);
        let secure = s.posture == 0;
        let insecure = s.posture == 2;
        let r = &mut self.r;
        let private = secure || (!insecure && r.chance(0.5));
        let aad = !insecure || r.chance(0.3);
        let host = format!("{name}-{}.hcp.{}.azmk8s.io", hex(r, 8), s.location);
        let ranges: J = if private {
            J::Arr(Vec::new())
        } else if insecure && r.chance(0.5) {
            arr!["0.0.0.0/0"]
        } else {
            J::Arr(
                (0..r.range(1, 6))
                    .map(|i| J::from(format!("203.0.{}.{}/32", 113 + i, r.range(1, 254))))
                    .collect(),
            )
        };
        let policy = if insecure && r.chance(0.5) {
            None
        } else {
            Some(word(r, &["azure", "calico", "cilium"]))
        };
        let pool = obj! {
            "auto_scaling_enabled" => true,
            "capacity_reservation_group_id" => J::Null,
            "fips_enabled" => false,
            "gpu_instance" => J::Null,
            "host_encryption_enabled" => secure || r.chance(0.5),
            "host_group_id" => J::Null,
            "kubelet_config" => arr![],
            "kubelet_disk_type" => "OS",
            "linux_os_config" => arr![],
            "max_count" => r.range(5, 20),
            "max_pods" => 50usize,
            "min_count" => r.range(1, 3),
            "name" => "system",
            "node_count" => r.range(1, 5),
            "node_labels" => obj! { "nodepool-type" => "system", "environment" => s.env },
            "node_public_ip_enabled" => insecure && r.chance(0.4),
            "node_public_ip_prefix_id" => J::Null,
            "only_critical_addons_enabled" => true,
            "orchestrator_version" => word(r, K8S_VERSIONS),
            "os_disk_size_gb" => 128usize,
            "os_disk_type" => "Ephemeral",
            "os_sku" => if secure { "AzureLinux" } else { "Ubuntu" },
            "pod_subnet_id" => J::Null,
            "proximity_placement_group_id" => J::Null,
            "scale_down_mode" => "Delete",
            "snapshot_id" => J::Null,
            "tags" => obj! {},
            "temporary_name_for_rotation" => "systemtmp",
            "type" => "VirtualMachineScaleSets",
            "ultra_ssd_enabled" => false,
            "upgrade_settings" => arr![obj! {
                "drain_timeout_in_minutes" => 30usize,
                "max_surge" => "33%",
                "node_soak_duration_in_minutes" => 0usize,
            }],
            "vm_size" => word(r, VM_SIZES),
            "vnet_subnet_id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}/subnets/nodes", s.key)),
            "workload_runtime" => "OCIContainer",
            "zones" => arr!["1", "2", "3"],
        };
        let workspace = s.id(
            "Microsoft.OperationalInsights/workspaces",
            &format!("log-{}", s.key),
        );
        let mut values = obj! {
            "aci_connector_linux" => arr![],
            "api_server_access_profile" => if private && !insecure { arr![] } else {
                arr![obj! { "authorized_ip_ranges" => ranges, "subnet_id" => J::Null, "virtual_network_integration_enabled" => false }]
            },
            "auto_scaler_profile" => arr![obj! {
                "balance_similar_node_groups" => false,
                "empty_bulk_delete_max" => "10",
                "expander" => "random",
                "max_graceful_termination_sec" => "600",
                "max_node_provisioning_time" => "15m",
                "max_unready_nodes" => 3usize,
                "max_unready_percentage" => 45usize,
                "new_pod_scale_up_delay" => "10s",
                "scale_down_delay_after_add" => "10m",
                "scale_down_delay_after_delete" => "10s",
                "scale_down_delay_after_failure" => "3m",
                "scale_down_unneeded" => "10m",
                "scale_down_unready" => "20m",
                "scale_down_utilization_threshold" => "0.5",
                "scan_interval" => "10s",
                "skip_nodes_with_local_storage" => false,
                "skip_nodes_with_system_pods" => true,
            }],
            "automatic_upgrade_channel" => if insecure { J::Null } else { J::from("stable") },
            "azure_active_directory_role_based_access_control" => if aad {
                arr![obj! {
                    "admin_group_object_ids" => vec![J::from(&self.admin_groups[0]), J::from(&self.admin_groups[1])],
                    "azure_rbac_enabled" => !insecure,
                    "tenant_id" => s.tenant.clone(),
                }]
            } else { arr![] },
            "azure_policy_enabled" => if insecure { J::Null } else { J::from(true) },
            "confidential_computing" => arr![],
            "cost_analysis_enabled" => false,
            "current_kubernetes_version" => word(r, K8S_VERSIONS),
            "default_node_pool" => arr![pool],
            "disk_encryption_set_id" => J::Null,
            "dns_prefix" => name.clone(),
            "dns_prefix_private_cluster" => J::Null,
            "edge_zone" => J::Null,
            "fqdn" => host.clone(),
            "http_application_routing_enabled" => false,
            "http_application_routing_zone_name" => J::Null,
            "http_proxy_config" => arr![],
            "id" => s.id("Microsoft.ContainerService/managedClusters", &name),
            "identity" => arr![obj! {
                "identity_ids" => arr![s.id("Microsoft.ManagedIdentity/userAssignedIdentities", &format!("id-{name}"))],
                "principal_id" => "",
                "tenant_id" => "",
                "type" => "UserAssigned",
            }],
            "image_cleaner_enabled" => secure,
            "image_cleaner_interval_hours" => 48usize,
            "ingress_application_gateway" => arr![],
            "key_management_service" => arr![],
            "key_vault_secrets_provider" => if insecure { arr![] } else {
                arr![obj! { "secret_identity" => arr![obj! { "client_id" => guid(r), "object_id" => guid(r), "user_assigned_identity_id" => "" }], "secret_rotation_enabled" => true, "secret_rotation_interval" => "2m" }]
            },
            "kube_admin_config" => if aad && !insecure { arr![] } else { self.kube_config(&host) },
            "kube_admin_config_raw" => if aad && !insecure { J::from("") } else { J::from(b64(&mut self.r, 6000)) },
            "kube_config" => self.kube_config(&host),
            "kube_config_raw" => b64(&mut self.r, 6000),
            "kubelet_identity" => arr![obj! { "client_id" => guid(&mut self.r), "object_id" => guid(&mut self.r), "user_assigned_identity_id" => s.id("Microsoft.ManagedIdentity/userAssignedIdentities", &format!("{name}-agentpool")) }],
            "kubernetes_version" => word(&mut self.r, K8S_VERSIONS),
            "linux_profile" => arr![],
            "local_account_disabled" => if insecure { J::from(false) } else { J::from(aad) },
            "location" => s.location,
            "maintenance_window" => arr![],
            "maintenance_window_auto_upgrade" => arr![obj! { "day_of_month" => 0usize, "day_of_week" => "Sunday", "duration" => 4usize, "frequency" => "Weekly", "interval" => 1usize, "not_allowed" => arr![], "start_date" => J::Null, "start_time" => "02:00", "utc_offset" => "+00:00", "week_of_month" => 0usize }],
            "microsoft_defender" => if insecure { arr![] } else { arr![obj! { "log_analytics_workspace_id" => workspace.clone() }] },
            "monitor_metrics" => arr![],
            "name" => name.clone(),
            "network_profile" => arr![{
                let mut n = obj! {
                    "dns_service_ip" => "10.0.0.10",
                    "ip_versions" => arr!["IPv4"],
                    "load_balancer_profile" => arr![obj! { "idle_timeout_in_minutes" => 30usize, "managed_outbound_ip_count" => 2usize, "outbound_ports_allocated" => 0usize }],
                    "load_balancer_sku" => "standard",
                    "nat_gateway_profile" => arr![],
                    "network_data_plane" => if policy.as_deref() == Some("cilium") { "cilium" } else { "azure" },
                    "network_mode" => J::Null,
                    "network_plugin" => "azure",
                    "network_plugin_mode" => "overlay",
                    "outbound_type" => "loadBalancer",
                    "pod_cidr" => "10.244.0.0/16",
                    "service_cidr" => "10.0.0.0/16",
                };
                if let Some(p) = &policy {
                    n.push("network_policy", p.clone());
                }
                n
            }],
            "node_os_upgrade_channel" => if insecure { "None" } else { "NodeImage" },
            "node_resource_group" => format!("MC_{}_{}_{}", s.rg, name, s.location),
            "node_resource_group_id" => format!("/subscriptions/{}/resourceGroups/MC_{}_{}_{}", s.sub, s.rg, name, s.location),
            "oidc_issuer_enabled" => !insecure,
            "oidc_issuer_url" => format!("https://{}.oic.prod-aks.azure.com/{}/{}/", s.location, s.tenant, guid(&mut self.r)),
            "oms_agent" => if insecure { arr![] } else { arr![obj! { "log_analytics_workspace_id" => workspace, "msi_auth_for_monitoring_enabled" => true, "oms_agent_identity" => arr![] }] },
            "open_service_mesh_enabled" => J::Null,
            "portal_fqdn" => format!("{name}.portal.hcp.{}.azmk8s.io", s.location),
            "private_cluster_enabled" => private,
            "private_cluster_public_fqdn_enabled" => false,
            "private_dns_zone_id" => if private { J::from("System") } else { J::Null },
            "private_fqdn" => if private { J::from(format!("{name}.privatelink.{}.azmk8s.io", s.location)) } else { J::from("") },
            "resource_group_name" => s.rg.clone(),
            "role_based_access_control_enabled" => !(insecure && self.r.chance(0.2)),
            "run_command_enabled" => !secure,
            "service_mesh_profile" => arr![],
            "service_principal" => arr![],
            "sku_tier" => if s.env == "prod" { "Standard" } else { "Free" },
            "storage_profile" => arr![obj! { "blob_driver_enabled" => false, "disk_driver_enabled" => true, "file_driver_enabled" => true, "snapshot_controller_enabled" => true }],
            "support_plan" => "KubernetesOfficial",
            "tags" => tags(&mut self.r, s.team, s.env, 8),
            "timeouts" => J::Null,
            "web_app_routing" => arr![],
            "windows_profile" => arr![],
            "workload_autoscaler_profile" => arr![],
            "workload_identity_enabled" => !insecure,
        };
        // Optional + Computed attributes left out of the configuration are unknown on create.
        let mut computed = vec![
            "id",
            "fqdn",
            "current_kubernetes_version",
            "kube_config",
            "kube_config_raw",
            "kube_admin_config",
            "kube_admin_config_raw",
            "kubelet_identity",
            "node_resource_group_id",
            "oidc_issuer_url",
            "portal_fqdn",
            "private_fqdn",
            "http_application_routing_zone_name",
            "identity.0.principal_id",
            "identity.0.tenant_id",
            "default_node_pool.0.os_sku",
        ];
        if policy.is_none() {
            computed.push("network_profile.0.network_policy");
            // Unknown on create, absent (null) when the cluster exists: drop the key.
            if let Some(J::Arr(np)) = values.get_mut("network_profile")
                && let Some(n) = np.first_mut()
            {
                n.push("network_policy", J::Null);
            }
        }
        let action = self.action(s);
        TfRes {
            ty: "azurerm_kubernetes_cluster",
            name: "this",
            index: None,
            schema_version: 2,
            values,
            computed,
            sensitive: vec![
                "kube_admin_config",
                "kube_admin_config_raw",
                "kube_config",
                "kube_config_raw",
            ],
            exprs: obj! {
                "name" => refs(&["local.cluster_name"]),
                "location" => refs(&["var.location"]),
                "resource_group_name" => refs(&["var.resource_group_name"]),
                "dns_prefix" => refs(&["local.cluster_name"]),
                "kubernetes_version" => refs(&["var.kubernetes_version"]),
                "local_account_disabled" => refs(&["var.local_account_disabled"]),
                "private_cluster_enabled" => refs(&["var.private_cluster_enabled"]),
                "oidc_issuer_enabled" => constant(true),
                "workload_identity_enabled" => refs(&["var.workload_identity_enabled"]),
                "azure_policy_enabled" => refs(&["var.azure_policy_enabled"]),
                "sku_tier" => refs(&["var.sku_tier"]),
                "tags" => refs(&["var.tags"]),
                "default_node_pool" => arr![obj! {
                    "name" => constant("system"),
                    "vm_size" => refs(&["var.system_vm_size"]),
                    "vnet_subnet_id" => refs(&["var.subnet_id"]),
                    "zones" => constant(arr!["1", "2", "3"]),
                    "only_critical_addons_enabled" => constant(true),
                }],
                "identity" => arr![obj! {
                    "type" => constant("UserAssigned"),
                    "identity_ids" => refs(&["azurerm_user_assigned_identity.aks.id", "azurerm_user_assigned_identity.aks"]),
                }],
                "network_profile" => arr![obj! {
                    "network_plugin" => constant("azure"),
                    "network_plugin_mode" => constant("overlay"),
                    "network_policy" => refs(&["var.network_policy"]),
                }],
                "oms_agent" => arr![obj! { "log_analytics_workspace_id" => refs(&["var.log_analytics_workspace_id"]) }],
            },
            repeat: None,
            action,
        }
    }

    fn node_pool(&mut self, s: &Stamp, key: &str) -> TfRes {
        let insecure = s.posture == 2;
        let r = &mut self.r;
        let values = obj! {
            "auto_scaling_enabled" => true,
            "capacity_reservation_group_id" => J::Null,
            "eviction_policy" => J::Null,
            "fips_enabled" => false,
            "host_encryption_enabled" => !insecure && r.chance(0.7),
            "id" => s.id("Microsoft.ContainerService/managedClusters", &format!("aks-{}-{}/agentPools/{key}", s.team, s.key)),
            "kubelet_disk_type" => "OS",
            "kubernetes_cluster_id" => s.id("Microsoft.ContainerService/managedClusters", &format!("aks-{}-{}", s.team, s.key)),
            "max_count" => r.range(10, 100),
            "max_pods" => 110usize,
            "min_count" => r.range(0, 3),
            "mode" => "User",
            "name" => key,
            "node_count" => r.range(1, 10),
            "node_labels" => obj! { "workload" => word(r, &["web", "batch", "gpu", "memory"]), "team" => s.team },
            "node_public_ip_enabled" => insecure && r.chance(0.3),
            "node_public_ip_prefix_id" => J::Null,
            "node_taints" => if r.chance(0.3) { arr!["sku=gpu:NoSchedule"] } else { arr![] },
            "orchestrator_version" => word(r, K8S_VERSIONS),
            "os_disk_size_gb" => 128usize,
            "os_disk_type" => "Managed",
            "os_sku" => word(r, &["AzureLinux", "Ubuntu", "AzureLinux", "Ubuntu2204"]),
            "os_type" => "Linux",
            "priority" => if r.chance(0.2) { "Spot" } else { "Regular" },
            "scale_down_mode" => "Delete",
            "spot_max_price" => -1i64,
            "tags" => tags(r, s.team, s.env, 3),
            "ultra_ssd_enabled" => false,
            "upgrade_settings" => arr![obj! { "drain_timeout_in_minutes" => 30usize, "max_surge" => "10%", "node_soak_duration_in_minutes" => 0usize }],
            "vm_size" => word(r, VM_SIZES),
            "vnet_subnet_id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}/subnets/nodes", s.key)),
            "workload_runtime" => "OCIContainer",
            "zones" => arr!["1", "2", "3"],
        };
        let mut res = self.res(
            s,
            "azurerm_kubernetes_cluster_node_pool",
            "user",
            values,
            obj! {
                "name" => refs(&["each.key"]),
                "kubernetes_cluster_id" => refs(&["azurerm_kubernetes_cluster.this.id", "azurerm_kubernetes_cluster.this"]),
                "vm_size" => refs(&["each.value.vm_size"]),
                "node_public_ip_enabled" => refs(&["each.value.public_ip"]),
                "host_encryption_enabled" => refs(&["each.value.host_encryption"]),
            },
        );
        res.index = Some(J::from(key));
        res.computed = vec!["id", "kubernetes_cluster_id", "orchestrator_version"];
        res.repeat = Some(("for_each_expression", refs(&["var.node_pools"])));
        res
    }

    #[allow(clippy::too_many_arguments)]
    fn role_assignment(
        &mut self,
        s: &Stamp,
        name: &'static str,
        index: Option<J>,
        role: &str,
        scope: String,
        scope_ref: &str,
    ) -> TfRes {
        let principal = guid(&mut self.r);
        let id = format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments/{}",
            guid(&mut self.r)
        );
        let values = obj! {
            "condition" => J::Null,
            "condition_version" => J::Null,
            "delegated_managed_identity_resource_id" => J::Null,
            "description" => J::Null,
            "id" => id,
            "name" => guid(&mut self.r),
            "principal_id" => principal,
            "principal_type" => if self.r.chance(0.5) { "ServicePrincipal" } else { "Group" },
            "role_definition_id" => format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}", s.sub, guid(&mut self.r)),
            "role_definition_name" => role,
            "scope" => scope,
            "skip_service_principal_aad_check" => J::Null,
        };
        let mut res = self.res(
            s,
            "azurerm_role_assignment",
            name,
            values,
            obj! {
                "principal_id" => refs(&["azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id", "azurerm_kubernetes_cluster.this.kubelet_identity[0]", "azurerm_kubernetes_cluster.this"]),
                "role_definition_name" => constant(role),
                "scope" => refs(&[scope_ref]),
            },
        );
        res.computed = vec!["id", "name", "principal_type", "role_definition_id"];
        if index.is_some() {
            res.repeat = Some(("count_expression", refs(&["var.admin_principals"])));
        }
        res.index = index;
        res
    }

    fn identity(&mut self, s: &Stamp, name: &'static str, display: &str) -> TfRes {
        let values = obj! {
            "client_id" => guid(&mut self.r),
            "id" => s.id("Microsoft.ManagedIdentity/userAssignedIdentities", display),
            "location" => s.location,
            "name" => display,
            "principal_id" => guid(&mut self.r),
            "resource_group_name" => s.rg.clone(),
            "tags" => tags(&mut self.r, s.team, s.env, 2),
            "tenant_id" => s.tenant.clone(),
        };
        let mut res = self.res(
            s,
            "azurerm_user_assigned_identity",
            name,
            values,
            obj! { "name" => refs(&["local.identity_name"]), "location" => refs(&["var.location"]) },
        );
        res.computed = vec!["id", "client_id", "principal_id", "tenant_id"];
        res
    }

    fn federated(&mut self, s: &Stamp, key: &str) -> TfRes {
        let r = &mut self.r;
        let ns = word(r, &["payments", "shop", "platform", "default", "data"]);
        let sa = format!("{key}-sa");
        let values = obj! {
            "audience" => if s.posture == 2 && r.chance(0.3) { arr![] } else { arr!["api://AzureADTokenExchange"] },
            "id" => s.id("Microsoft.ManagedIdentity/userAssignedIdentities", &format!("id-{key}/federatedIdentityCredentials/{key}")),
            "issuer" => format!("https://{}.oic.prod-aks.azure.com/{}/{}/", s.location, s.tenant, guid(r)),
            "name" => key,
            "parent_id" => s.id("Microsoft.ManagedIdentity/userAssignedIdentities", &format!("id-{key}")),
            "resource_group_name" => s.rg.clone(),
            "subject" => format!("system:serviceaccount:{ns}:{sa}"),
            "user_assigned_identity_id" => s.id("Microsoft.ManagedIdentity/userAssignedIdentities", &format!("id-{key}")),
        };
        let mut res = self.res(
            s,
            "azurerm_federated_identity_credential",
            "workload",
            values,
            obj! {
                "issuer" => refs(&["azurerm_kubernetes_cluster.this.oidc_issuer_url", "azurerm_kubernetes_cluster.this"]),
                "subject" => refs(&["each.value.subject"]),
                "audience" => constant(arr!["api://AzureADTokenExchange"]),
            },
        );
        res.index = Some(J::from(key));
        res.computed = vec!["id", "issuer"];
        res.repeat = Some(("for_each_expression", refs(&["var.workloads"])));
        res
    }

    fn diagnostic(&mut self, s: &Stamp, target: String, categories: &[&str]) -> TfRes {
        let logs: Vec<J> = categories
            .iter()
            .map(|c| obj! { "category" => *c, "category_group" => J::Null })
            .collect();
        let values = obj! {
            "enabled_log" => logs,
            "eventhub_authorization_rule_id" => J::Null,
            "eventhub_name" => J::Null,
            "id" => format!("{target}|diag"),
            "log_analytics_destination_type" => "Dedicated",
            "log_analytics_workspace_id" => s.id("Microsoft.OperationalInsights/workspaces", &format!("log-{}", s.key)),
            "metric" => arr![obj! { "category" => "AllMetrics", "enabled" => true }],
            "name" => "diag",
            "partner_solution_id" => J::Null,
            "storage_account_id" => J::Null,
            "target_resource_id" => target,
        };
        let mut res = self.res(
            s,
            "azurerm_monitor_diagnostic_setting",
            "this",
            values,
            obj! { "target_resource_id" => refs(&["azurerm_kubernetes_cluster.this.id", "azurerm_kubernetes_cluster.this"]) },
        );
        res.computed = vec!["id", "target_resource_id", "log_analytics_destination_type"];
        res
    }

    fn registry(&mut self, s: &Stamp) -> TfRes {
        let insecure = s.posture == 2;
        let r = &mut self.r;
        let name = format!("acr{}{}", s.team, s.key.replace('-', ""));
        let premium = !insecure || r.chance(0.5);
        let admin = insecure && r.chance(0.6);
        let values = obj! {
            "admin_enabled" => admin,
            "admin_password" => if admin { J::from(b64(r, 52)) } else { J::from("") },
            "admin_username" => if admin { J::from(name.clone()) } else { J::from("") },
            "anonymous_pull_enabled" => insecure && r.chance(0.2),
            "data_endpoint_enabled" => premium,
            "encryption" => arr![],
            "export_policy_enabled" => true,
            "georeplications" => if premium { arr![obj! { "location" => "northeurope", "regional_endpoint_enabled" => true, "tags" => obj! {}, "zone_redundancy_enabled" => true }] } else { arr![] },
            "id" => s.id("Microsoft.ContainerRegistry/registries", &name),
            "identity" => arr![],
            "location" => s.location,
            "login_server" => format!("{name}.azurecr.io"),
            "name" => name,
            "network_rule_bypass_option" => "AzureServices",
            "network_rule_set" => if premium { arr![obj! { "default_action" => if insecure { "Allow" } else { "Deny" }, "ip_rule" => arr![] }] } else { arr![] },
            "public_network_access_enabled" => !premium || insecure || r.chance(0.3),
            "quarantine_policy_enabled" => false,
            "resource_group_name" => s.rg.clone(),
            "retention_policy_in_days" => 7usize,
            "sku" => if premium { "Premium" } else { "Standard" },
            "tags" => tags(r, s.team, s.env, 4),
            "trust_policy_enabled" => false,
            "zone_redundancy_enabled" => premium,
        };
        let mut res = self.res(
            s,
            "azurerm_container_registry",
            "this",
            values,
            obj! {
                "name" => refs(&["var.name"]),
                "sku" => refs(&["var.sku"]),
                "admin_enabled" => refs(&["var.admin_enabled"]),
                "public_network_access_enabled" => refs(&["var.public_network_access_enabled"]),
            },
        );
        res.schema_version = 2;
        res.computed = vec!["id", "login_server", "admin_username", "admin_password"];
        res.sensitive = vec!["admin_password"];
        res
    }

    fn private_endpoint(
        &mut self,
        s: &Stamp,
        target_id: String,
        target_ref: &str,
        subresource: &str,
    ) -> TfRes {
        let name = format!("pe-{subresource}-{}", s.key);
        let values = obj! {
            "custom_dns_configs" => arr![obj! { "fqdn" => format!("{subresource}.privatelink.azure.net"), "ip_addresses" => arr![format!("10.1.{}.{}", self.r.range(0, 255), self.r.range(4, 250))] }],
            "custom_network_interface_name" => J::Null,
            "id" => s.id("Microsoft.Network/privateEndpoints", &name),
            "ip_configuration" => arr![],
            "location" => s.location,
            "name" => name,
            "network_interface" => arr![obj! { "id" => s.id("Microsoft.Network/networkInterfaces", &format!("nic-{subresource}")), "name" => format!("nic-{subresource}") }],
            "private_dns_zone_configs" => arr![],
            "private_dns_zone_group" => arr![obj! { "id" => s.id("Microsoft.Network/privateEndpoints", &format!("pe-{subresource}/privateDnsZoneGroups/default")), "name" => "default", "private_dns_zone_ids" => arr![s.id("Microsoft.Network/privateDnsZones", &format!("privatelink.{subresource}.azure.net"))] }],
            "private_service_connection" => arr![obj! {
                "is_manual_connection" => false,
                "name" => format!("psc-{subresource}"),
                "private_connection_resource_alias" => J::Null,
                "private_connection_resource_id" => target_id,
                "private_ip_address" => format!("10.1.{}.{}", self.r.range(0, 255), self.r.range(4, 250)),
                "request_message" => J::Null,
                "subresource_names" => arr![subresource],
            }],
            "resource_group_name" => s.rg.clone(),
            "subnet_id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}/subnets/endpoints", s.key)),
            "tags" => tags(&mut self.r, s.team, s.env, 2),
        };
        let mut res = self.res(
            s,
            "azurerm_private_endpoint",
            "this",
            values,
            obj! {
                "subnet_id" => refs(&["var.endpoint_subnet_id"]),
                "private_service_connection" => arr![obj! {
                    "private_connection_resource_id" => refs(&[&format!("{target_ref}.id"), target_ref]),
                    "subresource_names" => constant(arr![subresource]),
                    "is_manual_connection" => constant(false),
                }],
            },
        );
        res.computed = vec![
            "id",
            "custom_dns_configs",
            "network_interface",
            "private_dns_zone_configs",
            "private_service_connection.0.private_ip_address",
        ];
        res.repeat = Some(("count_expression", refs(&["var.private_endpoint_enabled"])));
        res.index = Some(J::Int(0));
        res
    }

    fn key_vault(&mut self, s: &Stamp) -> TfRes {
        let insecure = s.posture == 2;
        let r = &mut self.r;
        let name = format!("kv-{}-{}", &s.team[..3.min(s.team.len())], s.key);
        let rbac = !insecure || r.chance(0.3);
        let policies: Vec<J> = if rbac {
            Vec::new()
        } else {
            (0..r.range(2, 6))
                .map(|_| {
                    obj! {
                        "application_id" => "",
                        "certificate_permissions" => arr!["Get", "List"],
                        "key_permissions" => arr!["Get", "List", "WrapKey", "UnwrapKey"],
                        "object_id" => guid(r),
                        "secret_permissions" => arr!["Get", "List", "Set", "Delete"],
                        "storage_permissions" => arr![],
                        "tenant_id" => s.tenant.clone(),
                    }
                })
                .collect()
        };
        let values = obj! {
            "access_policy" => policies,
            "contact" => arr![],
            "enable_rbac_authorization" => rbac,
            "enabled_for_deployment" => false,
            "enabled_for_disk_encryption" => false,
            "enabled_for_template_deployment" => false,
            "id" => s.id("Microsoft.KeyVault/vaults", &name),
            "location" => s.location,
            "name" => name.clone(),
            "network_acls" => arr![obj! { "bypass" => "AzureServices", "default_action" => if insecure { "Allow" } else { "Deny" }, "ip_rules" => arr![], "virtual_network_subnet_ids" => arr![] }],
            "public_network_access_enabled" => insecure || r.chance(0.3),
            "purge_protection_enabled" => !insecure,
            "resource_group_name" => s.rg.clone(),
            "sku_name" => "premium",
            "soft_delete_retention_days" => 90usize,
            "tags" => tags(r, s.team, s.env, 4),
            "tenant_id" => s.tenant.clone(),
            "vault_uri" => format!("https://{name}.vault.azure.net/"),
        };
        let mut res = self.res(
            s,
            "azurerm_key_vault",
            "this",
            values,
            obj! {
                "name" => refs(&["var.name"]),
                "tenant_id" => refs(&["data.azurerm_client_config.current.tenant_id", "data.azurerm_client_config.current"]),
                "enable_rbac_authorization" => refs(&["var.rbac"]),
                "purge_protection_enabled" => constant(true),
            },
        );
        res.schema_version = 2;
        res.computed = vec!["id", "vault_uri"];
        res
    }

    fn kv_secret(&mut self, s: &Stamp, key: &str) -> TfRes {
        let values = obj! {
            "content_type" => "text/plain",
            "expiration_date" => J::Null,
            "id" => format!("https://kv-{}.vault.azure.net/secrets/{key}/{}", s.key, hex(&mut self.r, 32)),
            "key_vault_id" => s.id("Microsoft.KeyVault/vaults", &format!("kv-{}", s.key)),
            "name" => key,
            "not_before_date" => J::Null,
            "resource_id" => s.id("Microsoft.KeyVault/vaults", &format!("kv-{}/secrets/{key}", s.key)),
            "resource_versionless_id" => s.id("Microsoft.KeyVault/vaults", &format!("kv-{}/secrets/{key}", s.key)),
            "tags" => obj! {},
            "value" => b64(&mut self.r, 40),
            "version" => hex(&mut self.r, 32),
            "versionless_id" => format!("https://kv-{}.vault.azure.net/secrets/{key}", s.key),
        };
        let mut res = self.res(
            s,
            "azurerm_key_vault_secret",
            "app",
            values,
            obj! { "key_vault_id" => refs(&["azurerm_key_vault.this.id", "azurerm_key_vault.this"]), "value" => refs(&["random_password.app.result"]) },
        );
        res.index = Some(J::from(key));
        res.computed = vec![
            "id",
            "resource_id",
            "resource_versionless_id",
            "version",
            "versionless_id",
        ];
        res.sensitive = vec!["value"];
        res.repeat = Some(("for_each_expression", refs(&["var.secrets"])));
        res
    }

    fn storage(&mut self, s: &Stamp) -> TfRes {
        let insecure = s.posture == 2;
        let r = &mut self.r;
        let name = format!(
            "st{}{}",
            &s.team[..3.min(s.team.len())],
            s.key.replace('-', "")
        );
        let cors: Vec<J> = (0..r.range(0, 4))
            .map(|i| {
                obj! {
                    "allowed_headers" => arr!["*"],
                    "allowed_methods" => arr!["GET", "HEAD", "OPTIONS"],
                    "allowed_origins" => arr![format!("https://app{i}.{}.contoso.com", s.team)],
                    "exposed_headers" => arr!["x-ms-meta-*"],
                    "max_age_in_seconds" => 3600usize,
                }
            })
            .collect();
        let values = obj! {
            "access_tier" => "Hot",
            "account_kind" => "StorageV2",
            "account_replication_type" => word(r, &["LRS", "ZRS", "GRS", "RAGRS"]),
            "account_tier" => "Standard",
            "allow_nested_items_to_be_public" => insecure,
            "allowed_copy_scope" => J::Null,
            "azure_files_authentication" => arr![],
            "blob_properties" => arr![obj! {
                "change_feed_enabled" => true,
                "change_feed_retention_in_days" => 7usize,
                "container_delete_retention_policy" => arr![obj! { "days" => 7usize }],
                "cors_rule" => cors,
                "default_service_version" => J::Null,
                "delete_retention_policy" => arr![obj! { "days" => 30usize, "permanent_delete_enabled" => false }],
                "last_access_time_enabled" => false,
                "restore_policy" => arr![],
                "versioning_enabled" => true,
            }],
            "cross_tenant_replication_enabled" => false,
            "custom_domain" => arr![],
            "customer_managed_key" => arr![],
            "default_to_oauth_authentication" => !insecure,
            "dns_endpoint_type" => "Standard",
            "edge_zone" => J::Null,
            "https_traffic_only_enabled" => !insecure,
            "id" => s.id("Microsoft.Storage/storageAccounts", &name),
            "identity" => arr![],
            "immutability_policy" => arr![],
            "infrastructure_encryption_enabled" => true,
            "is_hns_enabled" => false,
            "large_file_share_enabled" => false,
            "local_user_enabled" => insecure,
            "location" => s.location,
            "min_tls_version" => if insecure { "TLS1_0" } else { "TLS1_2" },
            "name" => name.clone(),
            "network_rules" => arr![obj! { "bypass" => arr!["AzureServices"], "default_action" => if insecure { "Allow" } else { "Deny" }, "ip_rules" => arr![], "private_link_access" => arr![], "virtual_network_subnet_ids" => arr![] }],
            "nfsv3_enabled" => false,
            "primary_access_key" => b64(r, 86),
            "primary_blob_connection_string" => format!("DefaultEndpointsProtocol=https;BlobEndpoint=https://{name}.blob.core.windows.net/;AccountName={name};AccountKey={}", b64(r, 86)),
            "primary_blob_endpoint" => format!("https://{name}.blob.core.windows.net/"),
            "primary_connection_string" => format!("DefaultEndpointsProtocol=https;AccountName={name};AccountKey={};EndpointSuffix=core.windows.net", b64(r, 86)),
            "primary_location" => s.location,
            "public_network_access_enabled" => insecure || r.chance(0.4),
            "queue_encryption_key_type" => "Service",
            "resource_group_name" => s.rg.clone(),
            "routing" => arr![],
            "sas_policy" => arr![],
            "secondary_access_key" => b64(r, 86),
            "secondary_connection_string" => format!("DefaultEndpointsProtocol=https;AccountName={name};AccountKey={};EndpointSuffix=core.windows.net", b64(r, 86)),
            "sftp_enabled" => false,
            "share_properties" => arr![obj! { "cors_rule" => arr![], "retention_policy" => arr![obj! { "days" => 7usize }], "smb" => arr![] }],
            "shared_access_key_enabled" => insecure,
            "static_website" => arr![],
            "table_encryption_key_type" => "Service",
            "tags" => tags(r, s.team, s.env, 6),
        };
        let mut res = self.res(
            s,
            "azurerm_storage_account",
            "this",
            values,
            obj! { "name" => refs(&["var.name"]), "min_tls_version" => constant("TLS1_2"), "shared_access_key_enabled" => refs(&["var.shared_keys"]) },
        );
        res.schema_version = 4;
        res.computed = vec![
            "id",
            "primary_access_key",
            "primary_blob_connection_string",
            "primary_blob_endpoint",
            "primary_connection_string",
            "secondary_access_key",
            "secondary_connection_string",
        ];
        res.sensitive = vec![
            "primary_access_key",
            "primary_blob_connection_string",
            "primary_connection_string",
            "secondary_access_key",
            "secondary_connection_string",
        ];
        res
    }

    fn container(&mut self, s: &Stamp, key: &str) -> TfRes {
        let values = obj! {
            "container_access_type" => if s.posture == 2 && self.r.chance(0.3) { "blob" } else { "private" },
            "default_encryption_scope" => "$account-encryption-key",
            "encryption_scope_override_enabled" => true,
            "has_immutability_policy" => false,
            "has_legal_hold" => false,
            "id" => format!("https://st{}.blob.core.windows.net/{key}", s.key.replace('-', "")),
            "metadata" => obj! { "owner" => s.team, "purpose" => word(&mut self.r, &["backups", "exports", "ingest", "logs"]) },
            "name" => key,
            "resource_manager_id" => s.id("Microsoft.Storage/storageAccounts", &format!("st/blobServices/default/containers/{key}")),
            "storage_account_id" => s.id("Microsoft.Storage/storageAccounts", "st"),
        };
        let mut res = self.res(
            s,
            "azurerm_storage_container",
            "this",
            values,
            obj! { "storage_account_id" => refs(&["azurerm_storage_account.this.id", "azurerm_storage_account.this"]) },
        );
        res.index = Some(J::from(key));
        res.computed = vec![
            "id",
            "resource_manager_id",
            "has_immutability_policy",
            "has_legal_hold",
        ];
        res.repeat = Some(("for_each_expression", refs(&["toset(var.containers)"])));
        res
    }

    fn nsg(&mut self, s: &Stamp) -> TfRes {
        let r = &mut self.r;
        let n = r.range(4, 16);
        let rules: Vec<J> = (0..n)
            .map(|i| {
                let open = s.posture == 2 && r.chance(0.05);
                obj! {
                    "access" => if r.chance(0.8) { "Allow" } else { "Deny" },
                    "description" => format!("rule {i} for {} traffic managed by the platform team", word(r, &["https", "dns", "monitoring", "ssh", "ldap", "sql"])),
                    "destination_address_prefix" => if r.chance(0.5) { J::from("VirtualNetwork") } else { J::from(format!("10.{}.{}.0/24", r.range(0, 255), r.range(0, 255))) },
                    "destination_address_prefixes" => arr![],
                    "destination_application_security_group_ids" => arr![],
                    "destination_port_range" => format!("{}", [443, 80, 53, 22, 3389, 1433, 5432, 6379, 9090][r.range(0, 8)]),
                    "destination_port_ranges" => arr![],
                    "direction" => if r.chance(0.7) { "Inbound" } else { "Outbound" },
                    "name" => format!("rule-{i:03}"),
                    "priority" => 100 + i * 10,
                    "protocol" => word(r, &["Tcp", "Udp", "*"]),
                    "source_address_prefix" => if open { J::from("*") } else { J::from(format!("10.{}.0.0/16", r.range(0, 255))) },
                    "source_address_prefixes" => arr![],
                    "source_application_security_group_ids" => arr![],
                    "source_port_range" => "*",
                    "source_port_ranges" => arr![],
                }
            })
            .collect();
        let values = obj! {
            "id" => s.id("Microsoft.Network/networkSecurityGroups", &format!("nsg-{}", s.key)),
            "location" => s.location,
            "name" => format!("nsg-{}", s.key),
            "resource_group_name" => s.rg.clone(),
            "security_rule" => rules,
            "tags" => tags(r, s.team, s.env, 3),
        };
        self.res(
            s,
            "azurerm_network_security_group",
            "nodes",
            values,
            obj! { "name" => refs(&["local.nsg_name"]), "security_rule" => refs(&["local.rules"]) },
        )
    }

    fn vnet(&mut self, s: &Stamp) -> TfRes {
        let values = obj! {
            "address_space" => arr![format!("10.{}.0.0/16", self.r.range(0, 255))],
            "bgp_community" => J::Null,
            "ddos_protection_plan" => arr![],
            "dns_servers" => arr![],
            "edge_zone" => J::Null,
            "encryption" => arr![],
            "flow_timeout_in_minutes" => 0usize,
            "guid" => guid(&mut self.r),
            "id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}", s.key)),
            "location" => s.location,
            "name" => format!("vnet-{}", s.key),
            "resource_group_name" => s.rg.clone(),
            "subnet" => arr![],
            "tags" => tags(&mut self.r, s.team, s.env, 3),
        };
        let mut res = self.res(
            s,
            "azurerm_virtual_network",
            "this",
            values,
            obj! { "address_space" => refs(&["var.address_space"]) },
        );
        res.computed = vec!["id", "guid", "subnet"];
        res
    }

    fn subnet(&mut self, s: &Stamp, key: &str) -> TfRes {
        let values = obj! {
            "address_prefixes" => arr![format!("10.{}.{}.0/22", self.r.range(0, 255), self.r.range(0, 63) * 4)],
            "default_outbound_access_enabled" => false,
            "delegation" => arr![],
            "id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}/subnets/{key}", s.key)),
            "name" => key,
            "private_endpoint_network_policies" => "Disabled",
            "private_link_service_network_policies_enabled" => true,
            "resource_group_name" => s.rg.clone(),
            "service_endpoint_policy_ids" => J::Null,
            "service_endpoints" => arr!["Microsoft.KeyVault", "Microsoft.Storage", "Microsoft.ContainerRegistry"],
            "virtual_network_name" => format!("vnet-{}", s.key),
        };
        let mut res = self.res(
            s,
            "azurerm_subnet",
            "this",
            values,
            obj! { "virtual_network_name" => refs(&["azurerm_virtual_network.this.name", "azurerm_virtual_network.this"]) },
        );
        res.index = Some(J::from(key));
        res.repeat = Some(("for_each_expression", refs(&["var.subnets"])));
        res
    }

    fn workspace(&mut self, s: &Stamp) -> TfRes {
        let values = obj! {
            "allow_resource_only_permissions" => true,
            "cmk_for_query_forced" => false,
            "daily_quota_gb" => -1i64,
            "data_collection_rule_id" => J::Null,
            "id" => s.id("Microsoft.OperationalInsights/workspaces", &format!("log-{}", s.key)),
            "identity" => arr![],
            "immediate_data_purge_on_30_days_enabled" => false,
            "internet_ingestion_enabled" => true,
            "internet_query_enabled" => true,
            "local_authentication_enabled" => true,
            "location" => s.location,
            "name" => format!("log-{}", s.key),
            "primary_shared_key" => b64(&mut self.r, 86),
            "reservation_capacity_in_gb_per_day" => J::Null,
            "resource_group_name" => s.rg.clone(),
            "retention_in_days" => 30usize,
            "secondary_shared_key" => b64(&mut self.r, 86),
            "sku" => "PerGB2018",
            "tags" => tags(&mut self.r, s.team, s.env, 2),
            "workspace_id" => guid(&mut self.r),
        };
        let mut res = self.res(
            s,
            "azurerm_log_analytics_workspace",
            "this",
            values,
            obj! { "name" => refs(&["local.workspace_name"]) },
        );
        res.schema_version = 3;
        res.computed = vec![
            "id",
            "primary_shared_key",
            "secondary_shared_key",
            "workspace_id",
        ];
        res.sensitive = vec!["primary_shared_key", "secondary_shared_key"];
        res
    }

    fn resource_group(&mut self, s: &Stamp) -> TfRes {
        let values = obj! {
            "id" => format!("/subscriptions/{}/resourceGroups/{}", s.sub, s.rg),
            "location" => s.location,
            "managed_by" => J::Null,
            "name" => s.rg.clone(),
            "tags" => tags(&mut self.r, s.team, s.env, 10),
        };
        self.res(
            s,
            "azurerm_resource_group",
            "this",
            values,
            obj! { "name" => refs(&["local.rg_name"]), "location" => refs(&["each.value.location"]) },
        )
    }

    /// Filler: a web app with a large `app_settings` map and site config.
    fn web_app(&mut self, s: &Stamp, i: usize) -> TfRes {
        let r = &mut self.r;
        let name = format!("app-{}-{}-{i}", s.team, s.key);
        let mut settings = obj! {};
        for k in 0..r.range(15, 45) {
            let key = format!("{}_{k:02}", r.pick(APP_SETTING_KEYS));
            let value = match r.range(0, 4) {
                0 => format!(
                    "@Microsoft.KeyVault(SecretUri=https://kv-{}.vault.azure.net/secrets/{}/)",
                    s.key,
                    key.to_lowercase().replace('_', "-")
                ),
                1 => format!(
                    "InstrumentationKey={};IngestionEndpoint=https://{}-1.in.applicationinsights.azure.com/;LiveEndpoint=https://{}.livediagnostics.monitor.azure.com/",
                    guid(r),
                    s.location,
                    s.location
                ),
                2 => format!(
                    "https://{}.{}.contoso.internal:{}",
                    key.to_lowercase(),
                    s.team,
                    r.range(1000, 9999)
                ),
                _ => word(
                    r,
                    &["true", "false", "Production", "Information", "30", "4", "1"],
                ),
            };
            settings.push(&key, value);
        }
        let values = obj! {
            "app_settings" => settings,
            "auth_settings" => arr![],
            "auth_settings_v2" => arr![],
            "backup" => arr![],
            "client_affinity_enabled" => false,
            "client_certificate_enabled" => false,
            "client_certificate_exclusion_paths" => "",
            "client_certificate_mode" => "Required",
            "connection_string" => arr![],
            "custom_domain_verification_id" => hex(r, 64),
            "default_hostname" => format!("{name}.azurewebsites.net"),
            "enabled" => true,
            "ftp_publish_basic_authentication_enabled" => s.posture == 2,
            "https_only" => s.posture != 2,
            "id" => s.id("Microsoft.Web/sites", &name),
            "identity" => arr![obj! { "identity_ids" => arr![], "principal_id" => guid(r), "tenant_id" => s.tenant.clone(), "type" => "SystemAssigned" }],
            "key_vault_reference_identity_id" => "SystemAssigned",
            "kind" => "app,linux",
            "location" => s.location,
            "logs" => arr![],
            "name" => name.clone(),
            "outbound_ip_address_list" => J::Arr((0..r.range(4, 12)).map(|_| J::from(format!("20.{}.{}.{}", r.range(0, 255), r.range(0, 255), r.range(1, 254)))).collect()),
            "public_network_access_enabled" => true,
            "resource_group_name" => s.rg.clone(),
            "service_plan_id" => s.id("Microsoft.Web/serverFarms", &format!("asp-{}", s.key)),
            "site_config" => arr![obj! {
                "always_on" => true,
                "api_definition_url" => J::Null,
                "app_command_line" => "",
                "application_stack" => arr![obj! { "docker_image_name" => format!("{}/{}:{}.{}", s.team, name, r.range(1, 9), r.range(0, 99)), "docker_registry_url" => "https://acr.azurecr.io", "dotnet_version" => J::Null, "node_version" => J::Null, "python_version" => J::Null }],
                "cors" => arr![],
                "default_documents" => arr!["index.html", "default.html"],
                "ftps_state" => "Disabled",
                "health_check_path" => "/healthz",
                "http2_enabled" => true,
                "ip_restriction" => J::Arr((0..r.range(0, 8)).map(|k| obj! { "action" => "Allow", "headers" => arr![], "ip_address" => format!("198.51.100.{k}/32"), "name" => format!("office-{k}"), "priority" => 100 + k, "service_tag" => J::Null, "virtual_network_subnet_id" => J::Null }).collect()),
                "ip_restriction_default_action" => "Deny",
                "minimum_tls_version" => "1.2",
                "vnet_route_all_enabled" => true,
                "websockets_enabled" => false,
                "worker_count" => r.range(1, 4),
            }],
            "site_credential" => arr![obj! { "name" => format!("${name}"), "password" => b64(r, 60) }],
            "sticky_settings" => arr![],
            "storage_account" => arr![],
            "tags" => tags(r, s.team, s.env, 12),
            "virtual_network_subnet_id" => s.id("Microsoft.Network/virtualNetworks", &format!("vnet-{}/subnets/apps", s.key)),
            "zip_deploy_file" => "",
        };
        let mut res = self.res(
            s,
            "azurerm_linux_web_app",
            "this",
            values,
            obj! { "name" => refs(&["local.app_name"]), "app_settings" => refs(&["var.app_settings", "local.common_settings"]), "service_plan_id" => refs(&["var.service_plan_id"]) },
        );
        res.schema_version = 1;
        res.computed = vec![
            "id",
            "custom_domain_verification_id",
            "default_hostname",
            "outbound_ip_address_list",
            "site_credential",
            "identity.0.principal_id",
            "identity.0.tenant_id",
        ];
        res.sensitive = vec!["site_credential", "app_settings"];
        res
    }

    fn stamp(&mut self, k: usize) -> TfModule {
        let (short, location) = REGIONS[k % REGIONS.len()];
        let team = self.r.pick(TEAMS);
        let env = self.r.pick(ENVS);
        let key = format!("{short}-{k:03}");
        let posture = match self.r.range(0, 9) {
            0..=3 => 0,
            4..=6 => 1,
            _ => 2,
        };
        let s = Stamp {
            rg: format!("rg-{team}-{key}"),
            key: key.clone(),
            location,
            team,
            env,
            sub: self.sub.clone(),
            tenant: self.tenant.clone(),
            posture,
            exists: self.r.chance(0.6),
        };
        let base = format!("module.platform[\"{key}\"]");
        let child = |call: &'static str, source: &'static str, exprs: J| TfModule {
            call,
            source,
            key: None,
            address: format!("{base}.module.{call}"),
            call_exprs: exprs,
            repeat: None,
            resources: Vec::new(),
            children: Vec::new(),
        };

        // module.platform["key"].module.aks
        let mut aks = child(
            "aks",
            "./modules/aks",
            obj! {
                "resource_group_name" => refs(&["azurerm_resource_group.this.name", "azurerm_resource_group.this"]),
                "subnet_id" => refs(&["azurerm_subnet.this[\"nodes\"].id", "azurerm_subnet.this[\"nodes\"]", "azurerm_subnet.this"]),
                "log_analytics_workspace_id" => refs(&["azurerm_log_analytics_workspace.this.id", "azurerm_log_analytics_workspace.this"]),
                "private_cluster_enabled" => refs(&["each.value.private"]),
            },
        );
        let cluster = self.cluster(&s);
        let cluster_id = s.id(
            "Microsoft.ContainerService/managedClusters",
            &format!("aks-{team}-{key}"),
        );
        aks.resources
            .push(self.identity(&s, "aks", &format!("id-aks-{team}-{key}")));
        aks.resources.push(cluster);
        for p in 0..self.r.range(1, 4) {
            let np = format!("np{}", p + 1);
            aks.resources.push(self.node_pool(&s, &np));
        }
        let acr_id = s.id(
            "Microsoft.ContainerRegistry/registries",
            &format!("acr{team}{}", key.replace('-', "")),
        );
        aks.resources.push(self.role_assignment(
            &s,
            "acr_pull",
            None,
            "AcrPull",
            acr_id.clone(),
            "var.acr_id",
        ));
        for a in 0..self.r.range(1, 3) {
            let role = match (posture, self.r.range(0, 9)) {
                (2, 0..=3) => "Owner",
                (2, 4) => "Azure Kubernetes Service RBAC Cluster Admin",
                (1, 0) => "Contributor",
                _ => self.r.pick(&[
                    "Azure Kubernetes Service RBAC Reader",
                    "Azure Kubernetes Service RBAC Writer",
                    "Azure Kubernetes Service Cluster User Role",
                ]),
            };
            aks.resources.push(self.role_assignment(
                &s,
                "admins",
                Some(J::Int(a as i64)),
                role,
                cluster_id.clone(),
                "azurerm_kubernetes_cluster.this.id",
            ));
        }
        aks.resources.push(self.diagnostic(
            &s,
            cluster_id,
            &["kube-audit-admin", "guard", "kube-apiserver"],
        ));
        for w in 0..self.r.range(0, 3) {
            let wk = format!(
                "{}-{w}",
                self.r.pick(&["orders", "billing", "search", "ingest"])
            );
            aks.resources.push(self.federated(&s, &wk));
        }

        // registry
        let mut registry = child(
            "registry",
            "./modules/registry",
            obj! { "name" => refs(&["local.acr_name"]), "sku" => constant("Premium") },
        );
        registry.resources.push(self.registry(&s));
        if posture == 0 || self.r.chance(0.4) {
            registry.resources.push(self.private_endpoint(
                &s,
                acr_id,
                "azurerm_container_registry.this",
                "registry",
            ));
        }

        // keyvault
        let mut keyvault = child(
            "keyvault",
            "./modules/keyvault",
            obj! { "name" => refs(&["local.kv_name"]), "rbac" => refs(&["each.value.kv_rbac"]) },
        );
        let kv = self.key_vault(&s);
        keyvault.resources.push(kv);
        for sk in 0..self.r.range(1, 4) {
            keyvault
                .resources
                .push(self.kv_secret(&s, &format!("app-secret-{sk}")));
        }
        if posture == 0 || self.r.chance(0.4) {
            let kv_id = s.id("Microsoft.KeyVault/vaults", "kv");
            keyvault.resources.push(self.private_endpoint(
                &s,
                kv_id,
                "azurerm_key_vault.this",
                "vault",
            ));
        }

        // storage
        let mut storage = child(
            "storage",
            "./modules/storage",
            obj! { "name" => refs(&["local.st_name"]), "shared_keys" => constant(false) },
        );
        storage.resources.push(self.storage(&s));
        for c in ["backups", "exports", "ingest"]
            .iter()
            .take(self.r.range(1, 3))
        {
            storage.resources.push(self.container(&s, c));
        }

        // apps (count)
        let mut children = vec![aks, registry, keyvault, storage];
        for i in 0..self.r.range(1, 4) {
            let mut apps = child(
                "apps",
                "./modules/app",
                obj! { "name" => refs(&["count.index"]), "app_settings" => refs(&["local.app_settings"]) },
            );
            apps.address = format!("{base}.module.apps[{i}]");
            apps.key = Some(J::Int(i as i64));
            apps.repeat = Some(("count_expression", refs(&["each.value.app_count"])));
            apps.resources.push(self.web_app(&s, i));
            children.push(apps);
        }

        let mut platform = TfModule {
            call: "platform",
            source: "./modules/platform",
            key: Some(J::from(key.clone())),
            address: base,
            call_exprs: obj! {
                "location" => refs(&["each.value.location"]),
                "team" => refs(&["each.value.team"]),
                "environment" => refs(&["var.environment"]),
            },
            repeat: Some(("for_each_expression", refs(&["local.stamps"]))),
            resources: Vec::new(),
            children,
        };
        platform.resources.push(self.resource_group(&s));
        platform.resources.push(self.vnet(&s));
        for sn in ["nodes", "pods", "endpoints", "apps"] {
            platform.resources.push(self.subnet(&s, sn));
        }
        platform.resources.push(self.nsg(&s));
        platform.resources.push(self.workspace(&s));
        // A few resources on their way out (delete) when the stamp exists.
        if s.exists && self.r.chance(0.15) {
            let mut old = self.identity(&s, "legacy", &format!("id-legacy-{key}"));
            old.action = Action::Delete;
            platform.resources.push(old);
        }
        platform
    }

    /// The whole plan, about `target` bytes.
    fn plan(&mut self, target: usize) -> String {
        let pretty = self.pretty;
        let mut planned_children: Vec<J> = Vec::new();
        let mut prior_children: Vec<J> = Vec::new();
        let mut changes: Vec<J> = Vec::new();
        let mut conf = ConfTree::default();
        let mut stamps = obj! {};
        let mut bytes = 0usize;
        let mut k = 0;
        // Root module resources.
        let root_stamp = Stamp {
            key: "shared".into(),
            location: "westeurope",
            team: "platform",
            env: "prod",
            rg: "rg-platform-shared".into(),
            sub: self.sub.clone(),
            tenant: self.tenant.clone(),
            posture: 0,
            exists: true,
        };
        let root_resources = vec![
            self.resource_group(&root_stamp),
            self.workspace(&root_stamp),
            self.registry(&root_stamp),
        ];
        let mut root_planned = Vec::new();
        let mut root_prior = Vec::new();
        for r in &root_resources {
            let out = render_resource("", r, &mut self.r);
            root_planned.extend(out.planned);
            root_prior.extend(out.prior);
            changes.push(out.change);
        }
        conf.add_resources(&root_resources);
        while bytes < target {
            let m = self.stamp(k);
            let key = match &m.key {
                Some(J::Str(s)) => s.clone(),
                _ => String::new(),
            };
            stamps.push(
                &key,
                obj! { "location" => REGIONS[k % REGIONS.len()].1, "app_count" => m.children.len() - 4 },
            );
            conf.add_module(&m);
            let mut ch = Vec::new();
            let (p, q) = render_module(&m, &mut self.r, &mut ch);
            if let Some(p) = p {
                let text = p.write(pretty, 4);
                bytes += text.len() + 10;
                planned_children.push(J::Raw(text));
            }
            if let Some(q) = q {
                let text = q.write(pretty, 5);
                bytes += text.len() + 12;
                prior_children.push(J::Raw(text));
            }
            for c in ch {
                let text = c.write(pretty, 2);
                bytes += text.len() + 6;
                changes.push(J::Raw(text));
            }
            k += 1;
        }
        let mut planned_root = obj! { "resources" => root_planned };
        planned_root.push("child_modules", planned_children);
        let mut prior_root = obj! { "resources" => {
            let mut v = root_prior;
            v.push(obj! {
                "address" => "data.azurerm_client_config.current",
                "mode" => "data",
                "type" => "azurerm_client_config",
                "name" => "current",
                "provider_name" => AZURERM,
                "schema_version" => 0usize,
                "values" => obj! { "client_id" => guid(&mut self.r), "id" => "Y2xpZW50Q29uZmlncy9jbGllbnRJZD0", "object_id" => guid(&mut self.r), "subscription_id" => self.sub.clone(), "tenant_id" => self.tenant.clone() },
                "sensitive_values" => obj! {},
            });
            v
        }};
        prior_root.push("child_modules", prior_children);
        let variables = obj! {
            "environment" => obj! { "value" => "prod" },
            "subscription_id" => obj! { "value" => self.sub.clone() },
            "kubernetes_version" => obj! { "value" => "1.30.5" },
            "stamps" => obj! { "value" => stamps.clone() },
        };
        let root_conf = conf.to_json(obj! {
            "environment" => obj! { "default" => "prod", "description" => "Deployment environment." },
            "subscription_id" => obj! { "description" => "Target subscription." },
            "kubernetes_version" => obj! { "default" => "1.30.5" },
            "stamps" => obj! { "description" => "Stamps by key.", "default" => obj! {} },
        });
        let plan = obj! {
            "format_version" => "1.2",
            "terraform_version" => "1.9.8",
            "variables" => variables,
            "planned_values" => obj! {
                "outputs" => obj! { "stamp_keys" => obj! { "sensitive" => false, "type" => arr!["list", "string"] } },
                "root_module" => planned_root,
            },
            "resource_changes" => changes,
            "output_changes" => obj! { "stamp_keys" => obj! {
                "actions" => arr!["update"], "before" => arr![], "after" => J::Arr(stamps_keys(&stamps)),
                "after_unknown" => false, "before_sensitive" => false, "after_sensitive" => false,
            } },
            "prior_state" => obj! {
                "format_version" => "1.0",
                "terraform_version" => "1.9.8",
                "values" => obj! { "outputs" => obj! {}, "root_module" => prior_root },
            },
            "configuration" => obj! {
                "provider_config" => obj! { "azurerm" => obj! {
                    "name" => "azurerm",
                    "full_name" => AZURERM,
                    "version_constraint" => "~> 4.0",
                    "expressions" => obj! { "features" => arr![obj! {}], "subscription_id" => refs(&["var.subscription_id"]) },
                } },
                "root_module" => root_conf,
            },
            "relevant_attributes" => arr![
                obj! { "resource" => "module.platform.module.aks.azurerm_kubernetes_cluster.this", "attribute" => arr!["oidc_issuer_url"] },
                obj! { "resource" => "module.platform.module.aks.azurerm_kubernetes_cluster.this", "attribute" => arr!["kubelet_identity", 0usize, "object_id"] },
            ],
            "timestamp" => "2026-11-29T10:00:00Z",
            "applyable" => true,
            "complete" => true,
            "errored" => false,
        };
        let mut text = plan.write(pretty, 0);
        text.push('\n');
        text
    }
}

fn stamps_keys(stamps: &J) -> Vec<J> {
    match stamps {
        J::Obj(e) => e.iter().map(|(k, _)| J::from(k)).collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// ARM template (compiled Bicep).

const DEPLOYMENT_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn generator_meta(r: &mut Rng) -> J {
    obj! { "_generator" => obj! {
        "name" => "bicep",
        "version" => "0.30.23.60470",
        "templateHash" => format!("{}", r.next() % 10_000_000_000_000_000_000),
    } }
}

fn param(ty: &str, default: impl Into<J>) -> J {
    obj! { "type" => ty, "defaultValue" => default.into() }
}

fn param_doc(ty: &str, default: impl Into<J>, description: &str) -> J {
    obj! {
        "type" => ty,
        "defaultValue" => default.into(),
        "metadata" => obj! { "description" => description },
    }
}

struct ArmGen {
    r: Rng,
    admin_group: String,
}

impl ArmGen {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        let admin_group = guid(&mut r);
        ArmGen { r, admin_group }
    }

    /// Filler: an NSG with many rules.
    fn nsg(&mut self, name_expr: &str, rules: usize) -> J {
        let r = &mut self.r;
        let rules: Vec<J> = (0..rules)
            .map(|i| {
                obj! {
                    "name" => format!("rule-{i:03}"),
                    "properties" => obj! {
                        "description" => format!("Allow {} from the {} network", word(r, &["https", "dns", "monitoring", "ldap", "sql"]), word(r, &["hub", "office", "build", "partner"])),
                        "protocol" => word(r, &["Tcp", "Udp", "*"]),
                        "sourcePortRange" => "*",
                        "destinationPortRange" => format!("{}", [443, 80, 53, 636, 1433, 5432, 9090][r.range(0, 6)]),
                        "sourceAddressPrefix" => format!("10.{}.0.0/16", r.range(0, 255)),
                        "destinationAddressPrefix" => "VirtualNetwork",
                        "access" => if r.chance(0.85) { "Allow" } else { "Deny" },
                        "priority" => 100 + i * 10,
                        "direction" => if r.chance(0.7) { "Inbound" } else { "Outbound" },
                    },
                }
            })
            .collect();
        obj! {
            "type" => "Microsoft.Network/networkSecurityGroups",
            "apiVersion" => "2023-11-01",
            "name" => name_expr,
            "location" => "[parameters('location')]",
            "tags" => "[parameters('tags')]",
            "properties" => obj! { "securityRules" => rules },
        }
    }

    /// Filler: a web app with many app settings.
    fn web_app(&mut self, name_expr: &str, settings: usize) -> J {
        let r = &mut self.r;
        let app_settings: Vec<J> = (0..settings)
            .map(|k| {
                let key = format!("{}_{k:02}", r.pick(APP_SETTING_KEYS));
                let value = match r.range(0, 3) {
                    0 => J::from(format!("[format('@Microsoft.KeyVault(SecretUri=https://{{0}}.vault.azure.net/secrets/{}/)', parameters('kvName'))]", key.to_lowercase().replace('_', "-"))),
                    1 => J::from("[parameters('appInsightsConnectionString')]"),
                    2 => J::from(format!("https://{}.contoso.internal:{}", key.to_lowercase(), r.range(1000, 9999))),
                    _ => J::from(word(r, &["true", "false", "Production", "Information"])),
                };
                obj! { "name" => key, "value" => value }
            })
            .collect();
        obj! {
            "type" => "Microsoft.Web/sites",
            "apiVersion" => "2023-12-01",
            "name" => name_expr,
            "location" => "[parameters('location')]",
            "tags" => "[parameters('tags')]",
            "kind" => "app,linux,container",
            "identity" => obj! { "type" => "SystemAssigned" },
            "properties" => obj! {
                "serverFarmId" => "[resourceId('Microsoft.Web/serverfarms', format('asp-{0}', parameters('clusterName')))]",
                "httpsOnly" => true,
                "publicNetworkAccess" => "Disabled",
                "virtualNetworkSubnetId" => "[parameters('subnetId')]",
                "siteConfig" => obj! {
                    "linuxFxVersion" => format!("DOCKER|acr.azurecr.io/app:{}.{}", r.range(1, 9), r.range(0, 99)),
                    "alwaysOn" => true,
                    "ftpsState" => "Disabled",
                    "minTlsVersion" => "1.2",
                    "http20Enabled" => true,
                    "healthCheckPath" => "/healthz",
                    "appSettings" => app_settings,
                },
            },
        }
    }

    fn registry_module(&mut self, insecure: bool) -> J {
        let admin = insecure && self.r.chance(0.6);
        let public = insecure || self.r.chance(0.3);
        let template = obj! {
            "$schema" => DEPLOYMENT_SCHEMA,
            "contentVersion" => "1.0.0.0",
            "metadata" => generator_meta(&mut self.r),
            "parameters" => obj! {
                "name" => obj! { "type" => "string" },
                "location" => obj! { "type" => "string" },
                "adminUserEnabled" => param("bool", false),
                "publicNetworkAccess" => obj! { "type" => "string", "defaultValue" => "Disabled", "allowedValues" => arr!["Enabled", "Disabled"] },
                "privateEndpointSubnetId" => param("string", ""),
                "tags" => param("object", obj! {}),
            },
            "resources" => arr![
                obj! {
                    "type" => "Microsoft.ContainerRegistry/registries",
                    "apiVersion" => "2023-07-01",
                    "name" => "[parameters('name')]",
                    "location" => "[parameters('location')]",
                    "tags" => "[parameters('tags')]",
                    "sku" => obj! { "name" => "Premium" },
                    "properties" => obj! {
                        "adminUserEnabled" => "[parameters('adminUserEnabled')]",
                        "publicNetworkAccess" => "[parameters('publicNetworkAccess')]",
                        "anonymousPullEnabled" => false,
                        "networkRuleSet" => obj! { "defaultAction" => "[if(equals(parameters('publicNetworkAccess'), 'Disabled'), 'Deny', 'Allow')]" },
                        "policies" => obj! { "retentionPolicy" => obj! { "days" => 7usize, "status" => "enabled" } },
                    },
                },
                obj! {
                    "condition" => "[not(empty(parameters('privateEndpointSubnetId')))]",
                    "type" => "Microsoft.Network/privateEndpoints",
                    "apiVersion" => "2023-11-01",
                    "name" => "[format('pe-{0}', parameters('name'))]",
                    "location" => "[parameters('location')]",
                    "properties" => obj! {
                        "subnet" => obj! { "id" => "[parameters('privateEndpointSubnetId')]" },
                        "privateLinkServiceConnections" => arr![obj! {
                            "name" => "registry",
                            "properties" => obj! {
                                "privateLinkServiceId" => "[resourceId('Microsoft.ContainerRegistry/registries', parameters('name'))]",
                                "groupIds" => arr!["registry"],
                            },
                        }],
                    },
                    "dependsOn" => arr!["[resourceId('Microsoft.ContainerRegistry/registries', parameters('name'))]"],
                },
            ],
            "outputs" => obj! {
                "id" => obj! { "type" => "string", "value" => "[resourceId('Microsoft.ContainerRegistry/registries', parameters('name'))]" },
                "loginServer" => obj! { "type" => "string", "value" => "[reference(resourceId('Microsoft.ContainerRegistry/registries', parameters('name')), '2023-07-01').loginServer]" },
            },
        };
        obj! {
            "type" => "Microsoft.Resources/deployments",
            "apiVersion" => "2022-09-01",
            "name" => "[format('registry-{0}', parameters('clusterName'))]",
            "properties" => obj! {
                "expressionEvaluationOptions" => obj! { "scope" => "inner" },
                "mode" => "Incremental",
                "parameters" => obj! {
                    "name" => obj! { "value" => "[parameters('acrName')]" },
                    "location" => obj! { "value" => "[parameters('location')]" },
                    "adminUserEnabled" => obj! { "value" => admin },
                    "publicNetworkAccess" => obj! { "value" => if public { "Enabled" } else { "Disabled" } },
                    "privateEndpointSubnetId" => obj! { "value" => if public { J::from("") } else { J::from("[parameters('subnetId')]") } },
                    "tags" => obj! { "value" => "[parameters('tags')]" },
                },
                "template" => template,
            },
        }
    }

    fn keyvault_module(&mut self, insecure: bool) -> J {
        let rbac = !insecure || self.r.chance(0.3);
        let template = obj! {
            "$schema" => DEPLOYMENT_SCHEMA,
            "contentVersion" => "1.0.0.0",
            "metadata" => generator_meta(&mut self.r),
            "parameters" => obj! {
                "name" => obj! { "type" => "string" },
                "location" => obj! { "type" => "string" },
                "enableRbacAuthorization" => param("bool", true),
                "publicNetworkAccess" => param("string", "Disabled"),
                "secretNames" => param("array", arr!["db-password", "api-key"]),
            },
            "resources" => arr![
                obj! {
                    "type" => "Microsoft.KeyVault/vaults",
                    "apiVersion" => "2023-07-01",
                    "name" => "[parameters('name')]",
                    "location" => "[parameters('location')]",
                    "properties" => obj! {
                        "tenantId" => "[subscription().tenantId]",
                        "sku" => obj! { "family" => "A", "name" => "premium" },
                        "enableRbacAuthorization" => "[parameters('enableRbacAuthorization')]",
                        "enableSoftDelete" => true,
                        "softDeleteRetentionInDays" => 90usize,
                        "enablePurgeProtection" => "[if(parameters('enableRbacAuthorization'), true(), null())]",
                        "publicNetworkAccess" => "[parameters('publicNetworkAccess')]",
                        "networkAcls" => obj! { "bypass" => "AzureServices", "defaultAction" => "[if(equals(toLower(parameters('publicNetworkAccess')), 'disabled'), 'Deny', 'Allow')]" },
                        "accessPolicies" => arr![],
                    },
                },
                obj! {
                    "copy" => obj! { "name" => "secrets", "count" => "[length(parameters('secretNames'))]" },
                    "type" => "Microsoft.KeyVault/vaults/secrets",
                    "apiVersion" => "2023-07-01",
                    "name" => "[format('{0}/{1}', parameters('name'), parameters('secretNames')[copyIndex()])]",
                    "properties" => obj! { "contentType" => "text/plain", "attributes" => obj! { "enabled" => true } },
                    "dependsOn" => arr!["[resourceId('Microsoft.KeyVault/vaults', parameters('name'))]"],
                },
            ],
        };
        obj! {
            "type" => "Microsoft.Resources/deployments",
            "apiVersion" => "2022-09-01",
            "name" => "[format('keyvault-{0}', parameters('clusterName'))]",
            "properties" => obj! {
                "expressionEvaluationOptions" => obj! { "scope" => "inner" },
                "mode" => "Incremental",
                "parameters" => obj! {
                    "name" => obj! { "value" => "[parameters('kvName')]" },
                    "location" => obj! { "value" => "[parameters('location')]" },
                    "enableRbacAuthorization" => obj! { "value" => rbac },
                    "publicNetworkAccess" => obj! { "value" => if insecure { "Enabled" } else { "Disabled" } },
                },
                "template" => template,
            },
        }
    }

    /// The inner template of one stamp module.
    fn stamp_template(&mut self, insecure: bool, v2: bool) -> J {
        let r = &mut self.r;
        let pools: Vec<J> = (0..r.range(2, 4))
            .map(|i| {
                obj! {
                    "name" => if i == 0 { "system".to_string() } else { format!("user{i}") },
                    "vmSize" => word(r, VM_SIZES),
                    "count" => r.range(2, 6),
                    "osSKU" => word(r, &["AzureLinux", "Ubuntu", "AzureLinux"]),
                    "enableNodePublicIP" => false,
                    "enableEncryptionAtHost" => r.chance(0.7),
                }
            })
            .collect();
        let extra_pools: Vec<J> = (0..r.range(0, 3))
            .map(|i| {
                obj! {
                    "name" => format!("batch{i}"),
                    "vmSize" => word(r, VM_SIZES),
                    "count" => r.range(0, 4),
                    "enableNodePublicIP" => insecure && r.chance(0.5),
                }
            })
            .collect();
        let workloads: Vec<J> = (0..r.range(1, 4))
            .map(|i| {
                obj! {
                    "name" => format!("{}-{i}", word(r, &["orders", "billing", "search", "ingest"])),
                    "namespace" => word(r, &["payments", "shop", "platform", "data"]),
                    "serviceAccount" => format!("{}-sa", word(r, &["api", "worker", "cron"])),
                }
            })
            .collect();
        let cluster_props = obj! {
            "kubernetesVersion" => "[parameters('kubernetesVersion')]",
            "dnsPrefix" => "[parameters('clusterName')]",
            "enableRBAC" => true,
            "disableLocalAccounts" => "[parameters('disableLocalAccounts')]",
            "aadProfile" => "[if(empty(parameters('adminGroupObjectIds')), null(), createObject('managed', true(), 'enableAzureRBAC', true(), 'adminGroupObjectIDs', parameters('adminGroupObjectIds'), 'tenantID', subscription().tenantId))]",
            "apiServerAccessProfile" => obj! {
                "enablePrivateCluster" => "[parameters('enablePrivateCluster')]",
                "authorizedIPRanges" => "[if(parameters('enablePrivateCluster'), createArray(), concat(parameters('officeRanges'), parameters('buildAgentRanges')))]",
            },
            "networkProfile" => obj! {
                "networkPlugin" => "azure",
                "networkPluginMode" => "overlay",
                "networkPolicy" => "[if(empty(parameters('networkPolicy')), null(), parameters('networkPolicy'))]",
                "networkDataplane" => "[if(equals(parameters('networkPolicy'), 'cilium'), 'cilium', 'azure')]",
                "podCidr" => "10.244.0.0/16",
                "serviceCidr" => "10.0.0.0/16",
                "dnsServiceIP" => "10.0.0.10",
                "outboundType" => "loadBalancer",
                "loadBalancerSku" => "standard",
            },
            "copy" => arr![obj! {
                "name" => "agentPoolProfiles",
                "count" => "[length(parameters('nodePools'))]",
                "input" => obj! {
                    "name" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].name]",
                    "vmSize" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].vmSize]",
                    "count" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].count]",
                    "mode" => "[if(equals(copyIndex('agentPoolProfiles'), 0), 'System', 'User')]",
                    "osType" => "Linux",
                    "osSKU" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].osSKU]",
                    "enableNodePublicIP" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].enableNodePublicIP]",
                    "enableEncryptionAtHost" => "[parameters('nodePools')[copyIndex('agentPoolProfiles')].enableEncryptionAtHost]",
                    "vnetSubnetID" => "[parameters('subnetId')]",
                    "availabilityZones" => arr!["1", "2", "3"],
                    "maxPods" => 50usize,
                    "type" => "VirtualMachineScaleSets",
                    "osDiskType" => "Ephemeral",
                    "upgradeSettings" => obj! { "maxSurge" => "33%" },
                },
            }],
            "addonProfiles" => obj! {
                "azurepolicy" => obj! { "enabled" => "[parameters('enableAzurePolicy')]" },
                "omsagent" => obj! {
                    "enabled" => "[not(empty(parameters('workspaceId')))]",
                    "config" => obj! { "logAnalyticsWorkspaceResourceID" => "[parameters('workspaceId')]", "useAADAuth" => "true" },
                },
                "azureKeyvaultSecretsProvider" => obj! {
                    "enabled" => true,
                    "config" => obj! { "enableSecretRotation" => "true", "rotationPollInterval" => "2m" },
                },
            },
            "securityProfile" => obj! {
                "workloadIdentity" => obj! { "enabled" => "[parameters('enableWorkloadIdentity')]" },
                "defender" => "[if(empty(parameters('workspaceId')), null(), createObject('logAnalyticsWorkspaceResourceId', parameters('workspaceId'), 'securityMonitoring', createObject('enabled', true())))]",
                "imageCleaner" => obj! { "enabled" => true, "intervalHours" => 168usize },
            },
            "oidcIssuerProfile" => obj! { "enabled" => "[parameters('enableWorkloadIdentity')]" },
            "autoUpgradeProfile" => obj! { "upgradeChannel" => "[parameters('upgradeChannel')]", "nodeOSUpgradeChannel" => "NodeImage" },
            "nodeResourceGroup" => "[concat('MC_', resourceGroup().name, '_', parameters('clusterName'))]",
        };
        let identity_id = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))]";
        let cluster_id =
            "[resourceId('Microsoft.ContainerService/managedClusters', parameters('clusterName'))]";
        let dep =
            |v2_name: &str, v1: &str| -> J { if v2 { J::from(v2_name) } else { J::from(v1) } };
        let role = |name: &str, role_guid: &str, principal: &str| -> J {
            obj! {
                "type" => "Microsoft.Authorization/roleAssignments",
                "apiVersion" => "2022-04-01",
                "scope" => "[format('Microsoft.ContainerService/managedClusters/{0}', parameters('clusterName'))]",
                "name" => format!("[guid(resourceGroup().id, parameters('clusterName'), '{name}')]"),
                "properties" => obj! {
                    "roleDefinitionId" => format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_guid}')]"),
                    "principalId" => principal,
                    "principalType" => "Group",
                },
                "dependsOn" => arr![dep("cluster", cluster_id)],
            }
        };
        let admin_role = match (insecure, r.range(0, 3)) {
            (true, 0 | 1) => "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            (true, _) => "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",     // AKS RBAC Cluster Admin
            _ => "7f6c6a51-bcf8-42ba-9220-52d62157d7db",             // AKS RBAC Reader
        };
        let mut resources: Vec<(String, J)> = vec![
            (
                "identity".into(),
                obj! {
                    "type" => "Microsoft.ManagedIdentity/userAssignedIdentities",
                    "apiVersion" => "2023-01-31",
                    "name" => "[variables('identityName')]",
                    "location" => "[parameters('location')]",
                    "tags" => "[parameters('tags')]",
                },
            ),
            (
                "federated".into(),
                obj! {
                    "copy" => obj! { "name" => "federated", "count" => "[length(parameters('workloads'))]", "mode" => "serial", "batchSize" => 1usize },
                    "type" => "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                    "apiVersion" => "2023-01-31",
                    "name" => "[format('{0}/{1}', variables('identityName'), parameters('workloads')[copyIndex()].name)]",
                    "properties" => obj! {
                        "issuer" => format!("[reference({}, '2024-05-01').oidcIssuerProfile.issuerURL]", if v2 { "'cluster'".to_string() } else { cluster_id.trim_start_matches('[').trim_end_matches(']').to_string() }),
                        "subject" => "[format('system:serviceaccount:{0}:{1}', parameters('workloads')[copyIndex()].namespace, parameters('workloads')[copyIndex()].serviceAccount)]",
                        "audiences" => arr!["api://AzureADTokenExchange"],
                    },
                    "dependsOn" => arr![dep("cluster", cluster_id), dep("identity", identity_id)],
                },
            ),
            (
                "cluster".into(),
                obj! {
                    "type" => "Microsoft.ContainerService/managedClusters",
                    "apiVersion" => "2024-05-01",
                    "name" => "[parameters('clusterName')]",
                    "location" => "[parameters('location')]",
                    "tags" => "[parameters('tags')]",
                    "sku" => obj! { "name" => "Base", "tier" => "[if(equals(parameters('environment'), 'prod'), 'Standard', 'Free')]" },
                    "identity" => obj! {
                        "type" => "UserAssigned",
                        "userAssignedIdentities" => J::Obj(vec![(format!("[format('{{0}}', {})]", identity_id.trim_start_matches('[').trim_end_matches(']')), obj! {})]),
                    },
                    "properties" => cluster_props,
                    "dependsOn" => arr![dep("identity", identity_id)],
                },
            ),
            (
                "extraPools".into(),
                obj! {
                    "copy" => obj! { "name" => "extraPools", "count" => "[length(parameters('extraPools'))]" },
                    "type" => "Microsoft.ContainerService/managedClusters/agentPools",
                    "apiVersion" => "2024-05-01",
                    "name" => "[format('{0}/{1}', parameters('clusterName'), parameters('extraPools')[copyIndex()].name)]",
                    "properties" => obj! {
                        "vmSize" => "[parameters('extraPools')[copyIndex()].vmSize]",
                        "count" => "[parameters('extraPools')[copyIndex()].count]",
                        "mode" => "User",
                        "osType" => "Linux",
                        "osSKU" => "AzureLinux",
                        "enableNodePublicIP" => "[parameters('extraPools')[copyIndex()].enableNodePublicIP]",
                        "enableAutoScaling" => true,
                        "minCount" => 0usize,
                        "maxCount" => 20usize,
                        "vnetSubnetID" => "[parameters('subnetId')]",
                        "nodeTaints" => arr!["workload=batch:NoSchedule"],
                    },
                    "dependsOn" => arr![dep("cluster", cluster_id)],
                },
            ),
            (
                "adminRole".into(),
                role(
                    "admins",
                    admin_role,
                    "[parameters('adminGroupObjectIds')[0]]",
                ),
            ),
            (
                "acrPull".into(),
                obj! {
                    "type" => "Microsoft.Authorization/roleAssignments",
                    "apiVersion" => "2022-04-01",
                    "name" => "[guid(resourceGroup().id, parameters('clusterName'), 'acrpull')]",
                    "properties" => obj! {
                        "roleDefinitionId" => "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')]",
                        "principalId" => format!("[reference({}, '2024-05-01').identityProfile.kubeletidentity.objectId]", if v2 { "'cluster'".to_string() } else { cluster_id.trim_start_matches('[').trim_end_matches(']').to_string() }),
                        "principalType" => "ServicePrincipal",
                    },
                    "dependsOn" => arr![dep("cluster", cluster_id)],
                },
            ),
            ("registry".into(), self.registry_module(insecure)),
            ("keyvault".into(), self.keyvault_module(insecure)),
        ];
        let rules = self.r.range(10, 40);
        resources.push((
            "nsg".into(),
            self.nsg("[format('nsg-{0}', parameters('clusterName'))]", rules),
        ));
        for a in 0..self.r.range(1, 3) {
            let settings = self.r.range(20, 60);
            resources.push((
                format!("app{a}"),
                self.web_app(
                    &format!("[format('app-{{0}}-{a}', parameters('clusterName'))]"),
                    settings,
                ),
            ));
        }
        if v2 {
            resources.insert(
                0,
                (
                    "vnet".into(),
                    obj! {
                        "existing" => true,
                        "type" => "Microsoft.Network/virtualNetworks",
                        "apiVersion" => "2023-11-01",
                        "name" => "[parameters('vnetName')]",
                    },
                ),
            );
        }
        let resources_json = if v2 {
            J::Obj(resources)
        } else {
            J::Arr(resources.into_iter().map(|(_, j)| j).collect())
        };
        let mut t = obj! { "$schema" => DEPLOYMENT_SCHEMA };
        if v2 {
            t.push("languageVersion", "2.0");
        }
        t.push("contentVersion", "1.0.0.0");
        t.push("metadata", generator_meta(&mut self.r));
        t.push(
            "parameters",
            obj! {
                "location" => obj! { "type" => "string" },
                "environment" => param("string", "prod"),
                "clusterName" => obj! { "type" => "string" },
                "kubernetesVersion" => param_doc("string", "1.30.5", "Kubernetes version of the cluster."),
                "enablePrivateCluster" => param_doc("bool", true, "Private API server."),
                "disableLocalAccounts" => param("bool", true),
                "networkPolicy" => obj! { "type" => "string", "defaultValue" => "azure", "allowedValues" => arr!["", "azure", "calico", "cilium"] },
                "officeRanges" => param("array", arr![]),
                "buildAgentRanges" => param("array", arr![]),
                "adminGroupObjectIds" => param("array", arr![]),
                "enableAzurePolicy" => param("bool", true),
                "enableWorkloadIdentity" => param("bool", true),
                "upgradeChannel" => param("string", "stable"),
                "workspaceId" => param("string", ""),
                "subnetId" => obj! { "type" => "string" },
                "vnetName" => param("string", "vnet-hub"),
                "nodePools" => param("array", pools),
                "extraPools" => param("array", extra_pools),
                "workloads" => param("array", workloads),
                "acrName" => obj! { "type" => "string" },
                "kvName" => obj! { "type" => "string" },
                "appInsightsConnectionString" => param("string", ""),
                "tags" => param("object", obj! {}),
            },
        );
        t.push(
            "variables",
            obj! {
                "identityName" => "[format('id-{0}', parameters('clusterName'))]",
                "diagnosticCategories" => arr!["kube-apiserver", "kube-audit-admin", "guard", "kube-controller-manager"],
            },
        );
        t.push("resources", resources_json);
        t.push(
            "outputs",
            obj! {
                "clusterId" => obj! { "type" => "string", "value" => cluster_id },
                "oidcIssuerUrl" => obj! { "type" => "string", "value" => format!("[reference({}, '2024-05-01').oidcIssuerProfile.issuerURL]", cluster_id.trim_start_matches('[').trim_end_matches(']')) },
            },
        );
        t
    }

    /// One stamp: a module deployment (sometimes copy-looped) with its inner template.
    fn stamp(&mut self, k: usize) -> J {
        let insecure = self.r.chance(0.3);
        let v2 = self.r.chance(0.25);
        let looped = !v2 && self.r.chance(0.15);
        let (_, location) = REGIONS[k % REGIONS.len()];
        let team = self.r.pick(TEAMS);
        let private = !insecure || self.r.chance(0.3);
        let office: J = if insecure && self.r.chance(0.5) {
            arr!["0.0.0.0/0"]
        } else {
            J::Arr(
                (0..self.r.range(1, 4))
                    .map(|i| J::from(format!("203.0.{}.0/24", 113 + i)))
                    .collect(),
            )
        };
        let template = self.stamp_template(insecure, v2);
        let name = if looped {
            format!("[format('stamp-{team}-{k:03}-{{0}}', copyIndex())]")
        } else {
            format!("stamp-{team}-{k:03}")
        };
        let cluster_name = if looped {
            format!(
                "[format('{{0}}-{team}-{k:03}-{{1}}', variables('clusterNamePrefix'), copyIndex())]"
            )
        } else {
            format!("[format('{{0}}-{team}-{k:03}', variables('clusterNamePrefix'))]")
        };
        let mut d = obj! {};
        if looped {
            d.push(
                "copy",
                obj! { "name" => "stampLoop", "count" => self.r.range(2, 3) },
            );
        }
        d.push("type", "Microsoft.Resources/deployments");
        d.push("apiVersion", "2022-09-01");
        d.push("name", name);
        d.push(
            "properties",
            obj! {
                "expressionEvaluationOptions" => obj! { "scope" => "inner" },
                "mode" => "Incremental",
                "parameters" => obj! {
                    "location" => obj! { "value" => location },
                    "environment" => obj! { "value" => "[parameters('environment')]" },
                    "clusterName" => obj! { "value" => cluster_name },
                    "kubernetesVersion" => obj! { "value" => "[parameters('kubernetesVersion')]" },
                    "enablePrivateCluster" => obj! { "value" => if private { J::from("[parameters('enablePrivateCluster')]") } else { J::from(false) } },
                    "disableLocalAccounts" => obj! { "value" => !insecure || self.r.chance(0.5) },
                    "networkPolicy" => obj! { "value" => if insecure && self.r.chance(0.5) { J::from("") } else { J::from("[variables('networkPolicy')]") } },
                    "officeRanges" => obj! { "value" => office },
                    "buildAgentRanges" => obj! { "value" => "[parameters('buildAgentRanges')]" },
                    "adminGroupObjectIds" => obj! { "value" => if insecure && self.r.chance(0.3) { arr![] } else { J::from("[parameters('adminGroupObjectIds')]") } },
                    "enableAzurePolicy" => obj! { "value" => !insecure },
                    "enableWorkloadIdentity" => obj! { "value" => !insecure || self.r.chance(0.5) },
                    "upgradeChannel" => obj! { "value" => if insecure { "none" } else { "stable" } },
                    "workspaceId" => obj! { "value" => if insecure { J::from("") } else { J::from("[resourceId('Microsoft.OperationalInsights/workspaces', variables('workspaceName'))]") } },
                    "subnetId" => obj! { "value" => format!("[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), variables('subnets')[{}].name)]", k % 4) },
                    "vnetName" => obj! { "value" => "[variables('vnetName')]" },
                    "acrName" => obj! { "value" => format!("[format('acr{team}{k:03}{{0}}', variables('nameSuffix'))]") },
                    "kvName" => obj! { "value" => format!("[format('kv-{{0}}-{k:03}', '{team}')]") },
                    "tags" => obj! { "value" => format!("[union(variables('commonTags'), createObject('stamp', '{team}-{k:03}'))]") },
                },
                "template" => template,
            },
        );
        d.push(
            "dependsOn",
            arr![
                "[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]",
                "[resourceId('Microsoft.OperationalInsights/workspaces', variables('workspaceName'))]"
            ],
        );
        d
    }

    /// Top-level clusters deployed in a resource copy loop (no module).
    fn edge_clusters(&mut self) -> J {
        obj! {
            "copy" => obj! { "name" => "edgeClusters", "count" => "[parameters('edgeClusterCount')]" },
            "type" => "Microsoft.ContainerService/managedClusters",
            "apiVersion" => "2024-05-01",
            "name" => "[format('{0}-edge-{1}', variables('clusterNamePrefix'), copyIndex(1))]",
            "location" => "[parameters('location')]",
            "tags" => "[variables('commonTags')]",
            "identity" => obj! { "type" => "SystemAssigned" },
            "sku" => obj! { "name" => "Base", "tier" => "Standard" },
            "properties" => obj! {
                "kubernetesVersion" => "[parameters('kubernetesVersion')]",
                "dnsPrefix" => "[format('{0}-edge-{1}', variables('clusterNamePrefix'), copyIndex(1))]",
                "disableLocalAccounts" => "[parameters('disableLocalAccounts')]",
                "aadProfile" => obj! { "managed" => true, "enableAzureRBAC" => true, "adminGroupObjectIDs" => "[parameters('adminGroupObjectIds')]" },
                "apiServerAccessProfile" => obj! {
                    "enablePrivateCluster" => "[parameters('enablePrivateCluster')]",
                    "authorizedIPRanges" => "[if(parameters('enablePrivateCluster'), createArray(), parameters('buildAgentRanges'))]",
                },
                "networkProfile" => obj! { "networkPlugin" => "azure", "networkPolicy" => "[variables('networkPolicy')]" },
                "agentPoolProfiles" => arr![obj! {
                    "name" => "system",
                    "mode" => "System",
                    "count" => 3usize,
                    "vmSize" => "Standard_D4ds_v5",
                    "osSKU" => "AzureLinux",
                    "enableEncryptionAtHost" => true,
                    "vnetSubnetID" => "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), 'edge')]",
                }],
                "addonProfiles" => obj! { "azurepolicy" => obj! { "enabled" => true } },
                "autoUpgradeProfile" => obj! { "upgradeChannel" => "patch" },
            },
            "dependsOn" => arr!["[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]"],
        }
    }

    /// The whole template, about `target` bytes.
    fn template(&mut self, target: usize) -> String {
        let subnets: Vec<J> = ["system", "user", "pods", "endpoints", "edge", "apps"]
            .iter()
            .enumerate()
            .map(|(i, n)| obj! { "name" => *n, "prefix" => format!("10.20.{}.0/22", i * 4) })
            .collect();
        let mut resources = vec![
            J::Raw(
                obj! {
                    "type" => "Microsoft.OperationalInsights/workspaces",
                    "apiVersion" => "2023-09-01",
                    "name" => "[variables('workspaceName')]",
                    "location" => "[parameters('location')]",
                    "tags" => "[variables('commonTags')]",
                    "properties" => obj! { "sku" => obj! { "name" => "PerGB2018" }, "retentionInDays" => 30usize },
                }
                .write(true, 2),
            ),
            J::Raw(
                obj! {
                    "type" => "Microsoft.Network/virtualNetworks",
                    "apiVersion" => "2023-11-01",
                    "name" => "[variables('vnetName')]",
                    "location" => "[parameters('location')]",
                    "tags" => "[variables('commonTags')]",
                    "properties" => obj! {
                        "addressSpace" => obj! { "addressPrefixes" => arr!["10.20.0.0/16"] },
                        "copy" => arr![obj! {
                            "name" => "subnets",
                            "count" => "[length(variables('subnets'))]",
                            "input" => obj! {
                                "name" => "[variables('subnets')[copyIndex('subnets')].name]",
                                "properties" => obj! {
                                    "addressPrefix" => "[variables('subnets')[copyIndex('subnets')].prefix]",
                                    "privateEndpointNetworkPolicies" => "Disabled",
                                },
                            },
                        }],
                    },
                }
                .write(true, 2),
            ),
            J::Raw(self.edge_clusters().write(true, 2)),
        ];
        let mut bytes: usize = resources
            .iter()
            .map(|r| match r {
                J::Raw(t) => t.len(),
                _ => 0,
            })
            .sum();
        let mut k = 0;
        while bytes < target {
            let text = if k % 7 == 6 {
                // Filler at the top level.
                let n = self.r.range(20, 60);
                self.nsg(
                    &format!("[format('nsg-shared-{k:03}-{{0}}', parameters('environment'))]"),
                    n,
                )
                .write(true, 2)
            } else {
                self.stamp(k).write(true, 2)
            };
            bytes += text.len() + 6;
            resources.push(J::Raw(text));
            k += 1;
        }
        let t = obj! {
            "$schema" => DEPLOYMENT_SCHEMA,
            "contentVersion" => "1.0.0.0",
            "metadata" => generator_meta(&mut self.r),
            "parameters" => obj! {
                "location" => param_doc("string", "[resourceGroup().location]", "Location of every resource."),
                "environment" => obj! { "type" => "string", "defaultValue" => "prod", "allowedValues" => arr!["dev", "test", "prod"] },
                "prefix" => param("string", "contoso"),
                "kubernetesVersion" => param("string", "1.30.5"),
                "enablePrivateCluster" => param("bool", true),
                "disableLocalAccounts" => param("bool", true),
                "adminGroupObjectIds" => param("array", arr![self.admin_group.clone()]),
                "buildAgentRanges" => param("array", arr!["198.51.100.0/24", "192.0.2.0/24"]),
                "edgeClusterCount" => param("int", 3usize),
                "tags" => param("object", obj! { "costCenter" => "cc-4711", "owner" => "platform@contoso.com" }),
            },
            "variables" => obj! {
                "nameSuffix" => "[uniqueString(resourceGroup().id)]",
                "clusterNamePrefix" => "[format('aks-{0}-{1}', parameters('prefix'), parameters('environment'))]",
                "vnetName" => "[format('vnet-{0}-{1}', parameters('prefix'), parameters('environment'))]",
                "workspaceName" => "[format('log-{0}-{1}', parameters('prefix'), parameters('environment'))]",
                "networkPolicy" => "[if(equals(parameters('environment'), 'prod'), 'cilium', 'azure')]",
                "commonTags" => "[union(parameters('tags'), createObject('environment', parameters('environment'), 'managedBy', 'bicep'))]",
                "subnets" => subnets,
            },
            "resources" => resources,
            "outputs" => obj! {
                "vnetId" => obj! { "type" => "string", "value" => "[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]" },
                "stamps" => obj! { "type" => "int", "value" => k },
            },
        };
        let mut text = t.write(true, 0);
        text.push('\n');
        text
    }
}
