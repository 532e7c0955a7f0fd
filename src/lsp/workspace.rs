//! A workspace folder: how it is linted (policies, options) and which of its files on disk take
//! part in each lint, so that cross-resource policies see the folder, not only the open
//! documents.

use akslint::confine::ScanRoot;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use akslint::config::{self, Config};
use akslint::discover::{self, DiscoverOptions, Input, Origin};
use akslint::engine::setup::{self, Overrides};
use akslint::engine::{self, Options};
use akslint::model::Report;
use akslint::policy::PolicySet;
use serde::Deserialize;

use super::store::Document;

/// Default of `Settings::workspace_max_mb`: linting costs about 15 ms per MB of YAML on a
/// 2-core machine, and every lint reads the workspace's files again.
pub const DEFAULT_WORKSPACE_MAX_MB: u64 = 8;

/// `initializationOptions` of the client.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Extra policy directories (relative ones are resolved against each workspace folder).
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    /// How many MB of a workspace folder's files take part in each lint (0: none, only the
    /// open documents). Beyond it, the files nearest to the open documents are chosen.
    #[serde(default = "default_workspace_max_mb")]
    pub workspace_max_mb: u64,
}

fn default_workspace_max_mb() -> u64 {
    DEFAULT_WORKSPACE_MAX_MB
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policies: Vec::new(),
            workspace_max_mb: DEFAULT_WORKSPACE_MAX_MB,
        }
    }
}

/// Everything that decides how the files of one workspace are linted.
#[derive(Clone, Debug)]
pub struct LintConfig {
    pub set: Arc<PolicySet>,
    pub opts: Options,
    pub discover: DiscoverOptions,
    /// Bytes of workspace files a lint may read besides the open documents.
    pub budget: u64,
}

/// The one place that builds the policies and options of a workspace root (`None`: documents
/// outside every workspace folder).
///
/// `.akslint.yaml` plugs in here: find it from `root` (upward, as `akslint check` does from
/// the current directory), then apply its `policies` (before `PolicySet::load`), `select` /
/// `ignore` / `severity` (`PolicySet::apply_selection`, ...), `settings`
/// (`PolicySet::apply_settings`), `arm.parameters` / `tf-root` (`Options`) and `exclude`
/// (`DiscoverOptions::exclude`, matched against the absolute paths the walk reports here).
pub fn load_config(root: Option<&Path>, settings: &Settings) -> Result<LintConfig, String> {
    // A relative directory belongs to each workspace folder, and a folder without it (or the
    // documents outside every folder) simply has none: only an absolute path, which names one
    // place, is an error when it is missing.
    let dirs: Vec<PathBuf> = settings
        .policies
        .iter()
        .filter_map(|d| match root {
            _ if d.is_absolute() => Some(d.clone()),
            Some(r) => Some(r.join(d)).filter(|p| p.exists()),
            None => None,
        })
        .collect();
    // The workspace's `.akslint.yaml`, found from the folder upward as `akslint check` finds
    // it from the working directory.
    let file = match root.and_then(config::find) {
        Some(p) => config::load(&p).map_err(|e| format!("{e}"))?,
        None => Config::default(),
    };
    let prepared = setup::prepare(
        &file,
        &Overrides {
            policies: dirs,
            ..Default::default()
        },
    )
    .map_err(|e| format!("{e}"))?;
    Ok(LintConfig {
        set: Arc::new(prepared.set),
        opts: prepared.opts,
        discover: DiscoverOptions {
            rooted_exclude: prepared.rooted_exclude,
            config_dir: file.root,
            ..Default::default()
        },
        budget: settings.workspace_max_mb.saturating_mul(1024 * 1024),
    })
}

#[derive(Debug)]
pub struct Workspace {
    pub root: Option<PathBuf>,
    pub config: LintConfig,
    /// The folder's YAML/JSON files, as a walk of `akslint check ROOT` finds them, with their
    /// sizes.
    files: Vec<(Input, u64)>,
    /// Open documents changed (or files saved) since the last lint.
    pub dirty: bool,
}

impl Workspace {
    /// Loads the configuration of `root` (its files are listed by `rescan`). A problem that
    /// still leaves a usable workspace (broken extra policies: the built-in ones are used) is
    /// returned as a message for the user.
    pub fn open(root: Option<PathBuf>, settings: &Settings) -> (Workspace, Option<String>) {
        let mut note = None;
        let config = match load_config(root.as_deref(), settings) {
            Ok(c) => c,
            Err(e) => {
                note = Some(format!("{e}; using the built-in policies only"));
                let fallback = Settings {
                    policies: Vec::new(),
                    ..settings.clone()
                };
                load_config(root.as_deref(), &fallback)
                    .expect("the built-in policies load (a test checks them)")
            }
        };
        let ws = Workspace {
            root,
            config,
            files: Vec::new(),
            dirty: true,
        };
        (ws, note)
    }

    /// Walks the folder again (at start-up and when a document is saved).
    pub fn rescan(&mut self) -> Option<String> {
        let root = self.root.as_ref()?;
        if self.config.budget == 0 {
            return None;
        }
        let walked = discover::discover(
            &[root.to_string_lossy().into_owned()],
            &self.config.discover,
            || Ok(None),
        );
        let files = match walked {
            Ok(f) => f,
            Err(e) => {
                self.files.clear();
                return Some(format!("cannot list the workspace {}: {e}", root.display()));
            }
        };
        self.files = files
            .into_iter()
            .map(|f| {
                let size = match &f.origin {
                    Origin::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
                    Origin::Stdin(t) => t.len() as u64,
                    Origin::Piped(b) => b.len() as u64,
                    Origin::PipedOverLimit => 0,
                };
                (f, size)
            })
            .collect();
        let total: u64 = self.files.iter().map(|(_, n)| n).sum();
        (total > self.config.budget).then(|| {
            format!(
                "the workspace {} holds {} MB of YAML/JSON, over the {} MB each lint reads \
                 (`workspaceMaxMb`): cross-resource policies see the files nearest to the open \
                 documents",
                root.display(),
                total / (1024 * 1024),
                self.config.budget / (1024 * 1024),
            )
        })
    }

    /// How deep this workspace's folder is, if it holds `path`.
    pub fn contains(&self, path: &Path) -> Option<usize> {
        let root = self.root.as_ref()?;
        path.starts_with(root).then(|| root.components().count())
    }

    /// The files on disk that take part in a lint of `docs`: all of them within the budget,
    /// else those nearest to an open document (most leading directories in common), then in
    /// path order.
    fn participants(&self, docs: &[&Document]) -> Vec<Input> {
        let open: HashSet<&str> = docs.iter().map(|d| &*d.display).collect();
        let mut files: Vec<&(Input, u64)> = self
            .files
            .iter()
            .filter(|(f, _)| !open.contains(&*f.display))
            .collect();
        let total: u64 = files.iter().map(|(_, n)| n).sum();
        if total > self.config.budget {
            let near = |f: &Input| {
                let p = Path::new(&*f.display);
                docs.iter()
                    .map(|d| {
                        let dir = d.path.parent().unwrap_or(&d.path);
                        p.components()
                            .zip(dir.components())
                            .take_while(|(a, b)| a == b)
                            .count()
                    })
                    .max()
                    .unwrap_or(0)
            };
            files.sort_by_cached_key(|(f, _)| std::cmp::Reverse(near(f)));
            let mut used = 0;
            files.retain(|(_, n)| {
                used += n;
                used <= self.config.budget
            });
        }
        files.into_iter().map(|(f, _)| f.clone()).collect()
    }

    /// Lints the open documents of this workspace (in-memory text) together with its files on
    /// disk (those not open). `None` if the engine panicked outside a file (the relation pass):
    /// the server keeps running.
    pub fn lint(&self, docs: &[&Document]) -> Option<Report> {
        let mut inputs = self.participants(docs);
        // Chart templates are not YAML until Helm renders them: skipped, as `akslint check`
        // skips them.
        inputs.extend(
            docs.iter()
                .filter(|d| !engine::is_chart_template(&d.path))
                .map(|d| Input {
                    display: d.display.clone(),
                    origin: origin(d),
                    explicit: true,
                    root: match &self.root {
                        Some(r) if d.path.starts_with(r) => ScanRoot::at(r),
                        _ => ScanRoot::for_named(&d.path, None),
                    },
                }),
        );
        let run = || engine::run(&inputs, &self.config.set, &self.config.opts);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok()
    }
}

/// In-memory text, except for a JSON document that is saved as it is: read from disk, an ARM
/// template gets the parameters files and `.bicep` source beside it, a Terraform plan its `.tf`
/// files (the engine finds those only for files on disk).
fn origin(doc: &Document) -> Origin {
    if !doc.is_yaml() && akslint::confine::read_text(&doc.path).is_ok_and(|t| t == doc.text) {
        return Origin::File(doc.path.clone());
    }
    Origin::Stdin(doc.text.as_str().into())
}

/// A few common kinds, linted once in the background at start-up so that the first document
/// opened does not pay for compiling the policies' regular expressions and starting the
/// engine's threads.
const WARM_UP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: w, namespace: w, labels: {azure.workload.identity/use: "true"}}
spec:
  template:
    metadata: {labels: {azure.workload.identity/use: "true"}}
    spec:
      serviceAccountName: w
      containers:
        - name: w
          image: example.azurecr.io/w:1
          env: [{name: PASSWORD, value: hunter2}]
          securityContext: {capabilities: {add: [NET_ADMIN]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: w, namespace: w}
data: {token: abc, kubeconfig: "apiVersion: v1"}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: w, namespace: w}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: w, namespace: w}
roleRef: {kind: ClusterRole, name: w, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: Group, name: w}]
"#;

pub fn warm_up(sets: Vec<Arc<PolicySet>>) {
    let input = Input {
        display: "warm-up.yaml".into(),
        origin: Origin::Stdin(WARM_UP.into()),
        explicit: true,
        root: ScanRoot::at(&std::env::temp_dir()),
    };
    let _ = std::thread::Builder::new()
        .name("akslint-warm-up".into())
        .spawn(move || {
            for set in sets {
                let run = || engine::run(std::slice::from_ref(&input), &set, &Options::default());
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
            }
        });
}
