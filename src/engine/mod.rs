//! The pipeline: load every input in parallel (parse, adapt, per-resource checks), then run
//! cross-resource checks over a read-only index, then sort and de-duplicate findings.

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rayon::prelude::*;

use crate::adapt::helm::{SourceMap, TemplateFiles};
use crate::adapt::locate::{self, Place, Sources};
use crate::adapt::{arm, kubernetes, secrets, tfplan};
use crate::discover::{Input, Origin};
use crate::model::{
    FileKind, FileSummary, LinterCode, Node, NotDeployed, NotLinted, Pos, Report, Resource, Span,
    Undecided,
};
use crate::model::{Finding, PolicyStats, RelatedLocation, fingerprint};
use crate::policy::compile::PolicySet;
use crate::policy::eval::{RawFinding, run_check};
use crate::policy::path::Locator;
use crate::policy::relate::Index;
use crate::policy::schema::Report as ReportMode;
use crate::source::detect::{
    JsonKind, Syntax, classify_json, is_kubernetes_object, sniff, syntax_for,
};
use crate::source::{Limits, LineIndex, json, scalar::Schema, strip_bom, yaml};
use crate::suppress::{self, Suppress};

/// Files (and standard input) larger than this, 100 MiB, are refused with AKL003 rather than
/// read into memory.
pub use crate::confine::MAX_FILE_BYTES;
use crate::confine::mebibytes;

mod bicep;
mod check;
mod linter;
mod load;
mod load_arm;
mod load_plan;
mod memory;
mod read;
pub mod setup;
mod terraform;

pub use self::load::is_chart_template;
pub use self::memory::MAX_MEMORY_IN_FLIGHT;
use self::{check::*, linter::*, load::*, load_arm::*, load_plan::*, memory::*, read::*};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputFormat {
    #[default]
    Auto,
    Kubernetes,
    Helm,
    /// Every JSON input is an ARM template, whatever its `$schema`.
    Arm,
    /// Every JSON input is a Terraform plan.
    Terraform,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub input_format: InputFormat,
    pub limits: Limits,
    /// Stop after parsing and adapting (for benchmarks).
    pub parse_only: bool,
    /// Check nothing; return every resource as the policies would see it (`akslint resources`).
    pub collect: bool,
    /// Parameters files bound to every ARM template of the run (instead of those found
    /// beside each template).
    pub arm_parameters: Vec<std::path::PathBuf>,
    /// Root module directory of Terraform plans' `.tf` sources (default: the plan's directory).
    pub tf_root: Option<std::path::PathBuf>,
    /// `--tf-var-file` / `--tf-var NAME=VALUE` for Terraform source modules (`.tf`).
    pub tf_var_files: Vec<std::path::PathBuf>,
    pub tf_vars: Vec<(String, String)>,
    /// The chart directory of Helm-rendered inputs (default: found from the `# Source:` paths).
    pub helm_chart: Option<std::path::PathBuf>,
    /// The suppression channels (configuration, per-file-ignores, baseline, --show-suppressed).
    pub suppress: suppress::Stage,
    /// Files findings may point into besides the inputs (the configuration file).
    pub extra_sources: Vec<(Arc<str>, Arc<str>)>,
    /// What Bicep inputs need to know of the run (set by `run`): its inputs as shown (a
    /// `.bicep` and its compiled `.json` both in the run are checked once, through the
    /// source) and the `.bicep` files other inputs use as modules.
    pub bicep_run: Arc<crate::adapt::bicep::load::RunFiles>,
    /// Leave `Report::sources` empty: the output shows no source snippets, so each file's
    /// text is freed as soon as the file is checked instead of living until the end of the run.
    pub drop_sources: bool,
}

struct FileOutcome {
    summary: FileSummary,
    findings: Vec<Finding>,
    stats: Vec<PolicyStats>,
    kept: Vec<Resource>,
    text: Option<Arc<str>>,
    /// Other files findings may point into (ARM parameters files), with their text.
    extra_texts: Vec<(Arc<str>, Arc<str>)>,
    bytes: u64,
    unknown_functions: Vec<String>,
    suppressions: Vec<Suppress>,
    /// Chart templates found for a Helm-rendered file.
    templates: Option<Arc<TemplateFiles>>,
    undecided: Vec<Undecided>,
    notes: Vec<(String, Arc<str>)>,
    not_deployed: Vec<NotDeployed>,
    not_linted: Vec<NotLinted>,
    /// The file's secret values: scrubbed from every message once the file is done.
    secrets: secrets::SecretValues,
}

impl FileOutcome {
    fn new(path: Arc<str>, explicit: bool, set: &PolicySet) -> FileOutcome {
        FileOutcome {
            summary: FileSummary {
                path,
                kind: FileKind::NotInput,
                resources: 0,
                explicit,
            },
            findings: Vec::new(),
            stats: vec![PolicyStats::default(); set.policies.len()],
            kept: Vec::new(),
            text: None,
            extra_texts: Vec::new(),
            bytes: 0,
            unknown_functions: Vec::new(),
            suppressions: Vec::new(),
            templates: None,
            undecided: Vec::new(),
            notes: Vec::new(),
            not_deployed: Vec::new(),
            not_linted: Vec::new(),
            secrets: secrets::SecretValues::default(),
        }
    }
}

/// Runs policies over inputs. `set` must already carry the user's selection.
pub fn run(inputs: &[Input], set: &PolicySet, opts: &Options) -> Report {
    run_stages(inputs, set, opts).0
}

/// Stage 1 alone: every resource of the inputs as the policies would see them, in input
/// order (`akslint resources`, benchmarks), with the report of what loading found.
pub fn load(inputs: &[Input], opts: &Options) -> (Vec<Resource>, Report) {
    let set = PolicySet::default();
    let opts = Options {
        collect: true,
        ..opts.clone()
    };
    let (report, resources) = run_stages(inputs, &set, &opts);
    (resources, report)
}

fn run_stages(inputs: &[Input], set: &PolicySet, opts: &Options) -> (Report, Vec<Resource>) {
    // The `.tf` files of one directory are one input: a Terraform module.
    let grouped = terraform::group(inputs, opts);
    let inputs = grouped.as_deref().unwrap_or(inputs);
    // One work unit per file: rayon's default splitting hands out contiguous runs of files,
    // and a run of a few large files (sorted next to each other) would then keep one core busy
    // while the other idles.
    let in_flight = InFlight::new(MAX_MEMORY_IN_FLIGHT);
    let opts = &Options {
        bicep_run: Arc::new(bicep::run_files(inputs)),
        ..opts.clone()
    };
    let outcomes: Vec<FileOutcome> = inputs
        .par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(i, input)| {
            let estimate = input_bytes(input)
                .saturating_mul(MEMORY_PER_INPUT_BYTE)
                .min(MAX_MEMORY_PER_FILE);
            let permit = in_flight.acquire(estimate);
            let mut outcome = catch_unwind(AssertUnwindSafe(|| process_file(i, input, set, opts)))
                .unwrap_or_else(|panic| crashed(input, set, panic));
            // No message quotes a secret value of its file.
            let values = std::mem::take(&mut outcome.secrets);
            values.scrub(outcome.findings.iter_mut().map(|f| &mut f.message));
            drop(permit);
            if opts.drop_sources {
                outcome.text = None;
                outcome.extra_texts.clear();
            }
            outcome
        })
        .collect();

    let mut result = Report {
        stats: vec![PolicyStats::default(); set.policies.len()],
        ..Default::default()
    };
    let paths: Vec<Arc<str>> = inputs.iter().map(|i| i.display.clone()).collect();
    let mut kept = Vec::new();
    let mut texts: Vec<Option<Arc<str>>> = Vec::with_capacity(outcomes.len());
    let mut extra_texts = BTreeMap::new();
    let mut suppressions = Vec::new();
    let mut templates: Vec<Option<Arc<TemplateFiles>>> = Vec::with_capacity(outcomes.len());
    let mut undecided = Vec::new();
    for o in outcomes {
        templates.push(o.templates.clone());
        // Comments in files that are not inputs (or could not be read) silence nothing.
        if !matches!(o.summary.kind, FileKind::NotInput | FileKind::Broken) {
            suppressions.extend(o.suppressions);
        }
        extra_texts.extend(o.extra_texts);
        result.unknown_functions.extend(o.unknown_functions);
        undecided.extend(o.undecided);
        result.not_deployed.extend(o.not_deployed);
        result.not_linted.extend(o.not_linted);
        for (message, path) in o.notes {
            result.notes.entry(message).or_default().push(path);
        }
        result.files.push(o.summary);
        result.findings.extend(o.findings);
        for (acc, s) in result.stats.iter_mut().zip(&o.stats) {
            acc.add(s);
        }
        kept.extend(o.kept);
        texts.push(o.text);
        result.bytes += o.bytes;
    }

    if opts.collect {
        return (result, kept);
    }
    if !opts.parse_only && !kept.is_empty() {
        let relational = relations(&kept, set, &paths, &templates);
        // Freeing many kept trees is real work: do it on every core.
        std::mem::take(&mut kept)
            .into_par_iter()
            .with_min_len(64)
            .for_each(drop);
        for (f, s, u) in relational {
            result.findings.extend(f);
            undecided.extend(u);
            for (acc, s) in result.stats.iter_mut().zip(&s) {
                acc.add(s);
            }
        }
    }

    result.undecided = merge_undecided(undecided);
    result.not_deployed.sort();
    result.not_deployed.dedup();
    result.not_linted.sort();
    sort_and_dedupe(&mut result.findings);

    // Stage 4: one suppression stage marks what every channel silences.
    result.baseline_hidden = opts.suppress.apply(&mut result, suppressions, &set.rules());
    sort_and_dedupe(&mut result.findings);
    extra_texts.extend(opts.extra_sources.iter().cloned());

    let with_findings: HashSet<&Arc<str>> = result
        .findings
        .iter()
        .chain(&result.suppressed)
        .map(|f| &f.path)
        .collect();
    for (path, text) in paths.iter().zip(texts) {
        if let Some(t) = text.filter(|_| with_findings.contains(path)) {
            result.sources.insert(path.clone(), t);
        }
    }
    for (path, text) in extra_texts {
        if with_findings.contains(&path) {
            result.sources.entry(path).or_insert(text);
        }
    }
    (result, Vec::new())
}

/// Output order, and findings with the same dedupe key reported once (the first in order).
fn sort_and_dedupe(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen = HashSet::new();
    findings.retain(|f| f.dedupe_key.as_ref().is_none_or(|k| seen.insert(k.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_in_flight_stay_within_the_memory_cap_and_a_big_one_runs_alone() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let cap = 100;
        let gate = InFlight::new(cap);
        let (now, peak) = (AtomicU64::new(0), AtomicU64::new(0));
        let sizes = [60u64, 30, 50, 500, 10, 90, 40, 70];
        std::thread::scope(|s| {
            for &size in &sizes {
                let (gate, now, peak) = (&gate, &now, &peak);
                s.spawn(move || {
                    let _permit = gate.acquire(size);
                    let held = now.fetch_add(size.min(cap), Ordering::SeqCst) + size.min(cap);
                    peak.fetch_max(held, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    now.fetch_sub(size.min(cap), Ordering::SeqCst);
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= cap);
        assert_eq!(*gate.used.lock().unwrap(), 0);
    }

    fn stdin(name: &str, text: &str) -> Input {
        Input {
            display: name.into(),
            origin: Origin::Stdin(text.into()),
            explicit: true,
            root: crate::confine::ScanRoot::at(std::path::Path::new(".")),
        }
    }

    #[test]
    fn a_panic_in_one_file_is_an_akl004_finding_and_the_run_goes_on() {
        let set = PolicySet::load(&[]).unwrap();
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: i\n      securityContext:\n        privileged: true\n";
        let inputs = [
            stdin("a/panic-in-process-file.yaml", pod),
            stdin("b/pod.yaml", pod),
        ];
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = run(&inputs, &set, &Options::default());
        std::panic::set_hook(hook);
        let crash: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.linter_code() == Some(LinterCode::InternalError))
            .collect();
        assert_eq!(crash.len(), 1, "{:?}", result.findings);
        assert_eq!(&*crash[0].path, "a/panic-in-process-file.yaml");
        assert!(crash[0].message.contains("injected by a test"));
        assert!(
            result
                .findings
                .iter()
                .any(|f| &*f.id == "POD001" && &*f.path == "b/pod.yaml")
        );
        assert!(
            !result
                .findings
                .iter()
                .any(|f| &*f.id == "POD001" && &*f.path == "a/panic-in-process-file.yaml")
        );
    }
}
