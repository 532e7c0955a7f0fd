//! A workspace folder: how it is linted (policies, options) and which of its files on disk take
//! part in each lint, so that cross-resource policies see the whole folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use akslint::discover::{self, DiscoverOptions, Input, Origin};
use akslint::engine::{self, Options, RunResult};
use akslint::policy::PolicySet;
use serde::Deserialize;

use super::store::Document;

/// Files of a workspace beyond this many bytes in total are left out of the lint (cross-resource
/// policies then see only the first files in path order, plus every open document).
pub const MAX_WORKSPACE_BYTES: u64 = 32 * 1024 * 1024;

/// `initializationOptions` of the client.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Extra policy directories (relative ones are resolved against each workspace folder).
    #[serde(default)]
    pub policies: Vec<PathBuf>,
}

/// Everything that decides how the files of one workspace are linted.
#[derive(Clone, Debug)]
pub struct LintConfig {
    pub set: Arc<PolicySet>,
    pub opts: Options,
    pub discover: DiscoverOptions,
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
    let dirs: Vec<PathBuf> = settings
        .policies
        .iter()
        .map(|d| match root {
            Some(r) if d.is_relative() => r.join(d),
            _ => d.clone(),
        })
        .collect();
    let set = PolicySet::load(&dirs).map_err(|e| {
        let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        format!("cannot load policies from {}: {e}", dirs.join(", "))
    })?;
    Ok(LintConfig {
        set: Arc::new(set),
        opts: Options::default(),
        discover: DiscoverOptions::default(),
    })
}

#[derive(Debug)]
pub struct Workspace {
    pub root: Option<PathBuf>,
    pub config: LintConfig,
    /// The folder's YAML/JSON files, as a walk of `akslint check ROOT` finds them.
    files: Vec<Input>,
    /// Open documents changed (or files saved) since the last lint.
    pub dirty: bool,
}

impl Workspace {
    /// Loads the configuration of `root` and lists its files. Problems that still leave a
    /// usable workspace (broken extra policies: the built-in ones are used) are returned as
    /// messages for the user.
    pub fn open(root: Option<PathBuf>, settings: &Settings) -> (Workspace, Vec<String>) {
        let mut notes = Vec::new();
        let config = match load_config(root.as_deref(), settings) {
            Ok(c) => c,
            Err(e) => {
                notes.push(format!("{e}; using the built-in policies only"));
                load_config(root.as_deref(), &Settings::default())
                    .expect("the built-in policies load (a test checks them)")
            }
        };
        let mut ws = Workspace {
            root,
            config,
            files: Vec::new(),
            dirty: true,
        };
        notes.extend(ws.rescan());
        (ws, notes)
    }

    /// Walks the folder again (at start-up and when a document is saved).
    pub fn rescan(&mut self) -> Option<String> {
        let root = self.root.as_ref()?;
        let walked = discover::discover(
            &[root.to_string_lossy().into_owned()],
            &self.config.discover,
            || Ok(String::new()),
        );
        let mut files = match walked {
            Ok(f) => f,
            Err(e) => {
                self.files.clear();
                return Some(format!("cannot list the workspace {}: {e}", root.display()));
            }
        };
        let mut total = 0u64;
        let mut kept = files.len();
        for (i, f) in files.iter().enumerate() {
            if let Origin::File(p) = &f.origin {
                total += std::fs::metadata(p).map_or(0, |m| m.len());
            }
            if total > MAX_WORKSPACE_BYTES {
                kept = i;
                break;
            }
        }
        let note = (kept < files.len()).then(|| {
            format!(
                "the workspace {} holds over {} MB of YAML/JSON: cross-resource policies see {} of its {} files (and every open document)",
                root.display(),
                MAX_WORKSPACE_BYTES / (1024 * 1024),
                kept,
                files.len()
            )
        });
        files.truncate(kept);
        self.files = files;
        note
    }

    /// Whether `path` is under this workspace's folder.
    pub fn contains(&self, path: &Path) -> Option<usize> {
        let root = self.root.as_ref()?;
        path.starts_with(root).then(|| root.components().count())
    }

    /// Lints the open documents of this workspace (in-memory text) together with its files on
    /// disk (those not open). `None` if the engine panicked outside a file (the relation pass):
    /// the server keeps running.
    pub fn lint(&self, docs: &[&Document]) -> Option<RunResult> {
        let open: HashSet<&str> = docs.iter().map(|d| &*d.display).collect();
        let mut inputs: Vec<Input> = self
            .files
            .iter()
            .filter(|f| !open.contains(&*f.display))
            .cloned()
            .collect();
        inputs.extend(docs.iter().map(|d| Input {
            display: d.display.clone(),
            origin: origin(d),
            explicit: true,
        }));
        let run = || engine::run(&inputs, &self.config.set, &self.config.opts);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok()
    }
}

/// In-memory text, except for a JSON document that is saved as it is: read from disk, an ARM
/// template gets the parameters files and `.bicep` source beside it, a Terraform plan its `.tf`
/// files (the engine finds those only for files on disk).
fn origin(doc: &Document) -> Origin {
    if !doc.is_yaml() && std::fs::read_to_string(&doc.path).is_ok_and(|t| t == doc.text) {
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
