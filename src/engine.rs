//! The pipeline: load every input in parallel (parse, adapt, per-resource checks), then run
//! cross-resource checks over a read-only index, then sort and de-duplicate findings.

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rayon::prelude::*;

use crate::adapt::helm::{SourceMap, TemplateFiles, template_line};
use crate::adapt::{arm, kubernetes, secrets, tfplan};
use crate::discover::{Input, Origin};
use crate::finding::{Finding, PolicyStats, RelatedLocation, fingerprint};
use crate::model::{ArmOrigin, Node, Pos, Resource, Span};
use crate::policy::compile::PolicySet;
use crate::policy::eval::{RawFinding, run_check};
use crate::policy::path::Locator;
use crate::policy::relate::Index;
use crate::policy::schema::Report;
use crate::source::detect::{
    JsonKind, Syntax, classify_json, is_kubernetes_object, sniff, syntax_for,
};
use crate::source::{Limits, LineIndex, json, scalar::Schema, strip_bom, yaml};
use crate::suppress::{self, Suppress};

mod terraform;

/// Files (and standard input) larger than this, 100 MiB, are refused with AKL003 rather than
/// read into memory.
pub use crate::confine::MAX_FILE_BYTES;
use crate::confine::mebibytes;

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
    /// Suppressions from the configuration (`ignore-resources`).
    pub suppressions: Vec<Suppress>,
    /// `YYYY-MM-DD` that `until:` dates are compared with (default: today, UTC).
    pub today: Option<String>,
    /// Files findings may point into besides the inputs (the configuration file).
    pub extra_sources: Vec<(Arc<str>, Arc<str>)>,
    /// Leave `RunResult::sources` empty: the output shows no source snippets, so each file's
    /// text is freed as soon as the file is checked instead of living until the end of the run.
    pub drop_sources: bool,
}

/// What kind of input a file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Kubernetes,
    Helm,
    /// An ARM template (compiled Bicep).
    Arm,
    /// A Terraform plan (`terraform show -json`).
    Terraform,
    /// Not an input akslint reads (a values file, package.json, ...).
    NotInput,
    /// Could not be read or parsed.
    Broken,
}

#[derive(Clone, Debug)]
pub struct FileSummary {
    pub path: Arc<str>,
    pub kind: FileKind,
    pub resources: usize,
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct RunResult {
    pub findings: Vec<Finding>,
    /// Indexed like `PolicySet::policies`.
    pub stats: Vec<PolicyStats>,
    pub files: Vec<FileSummary>,
    /// Text of every file a finding points into (for code frames).
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    pub bytes: u64,
    /// ARM functions met that the evaluator does not implement (their values were unknown).
    pub unknown_functions: std::collections::BTreeSet<String>,
    /// With `Options::collect`: every resource, in input order.
    pub resources: Vec<Resource>,
    /// Findings silenced by a suppression (each carries it), sorted.
    pub suppressed: Vec<Finding>,
    /// Resources with checks undecided until deployment, in file and position order.
    pub undecided: Vec<Undecided>,
    /// ARM resources whose `condition` is false with the parameters evaluated, sorted.
    pub not_deployed: Vec<NotDeployed>,
    /// Resources of the inputs that are not linted, and why; sorted.
    pub not_linted: Vec<NotLinted>,
    /// Notes for stderr on how inputs were read: each message once, with the files it is about.
    pub notes: BTreeMap<String, Vec<Arc<str>>>,
}

/// An ARM resource not deployed with the parameters it was evaluated with (`condition` false).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotDeployed {
    pub path: Arc<str>,
    /// The `condition` value.
    pub at: Pos,
    /// Type and name.
    pub resource: String,
    /// The parameters file (none: the template's defaults).
    pub parameters: Option<Arc<str>>,
}

/// A resource of an input that akslint cannot lint (an `azapi_update_resource` whose target is
/// not in the plan).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotLinted {
    pub path: Arc<str>,
    pub at: Pos,
    pub resource: String,
    pub why: &'static str,
}

/// A resource whose checks could not be decided because values are known only at deployment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Undecided {
    pub path: Arc<str>,
    pub at: Pos,
    /// Kind and name (`azurerm_kubernetes_cluster module.aks.azurerm_kubernetes_cluster.this`).
    pub resource: String,
    /// Indexes into `PolicySet::policies`, sorted.
    pub policies: Vec<usize>,
}

impl RunResult {
    /// Undecided checks (deployment values), summed over the policies.
    pub fn undecided_checks(&self) -> u64 {
        self.stats.iter().map(|s| s.undecided).sum()
    }
}

/// Notes which policies left `res` undecided, from the counts before and after its checks.
fn note_undecided(
    res: &Resource,
    path: &Arc<str>,
    before: &[u64],
    after: &[PolicyStats],
    out: &mut Vec<Undecided>,
) {
    let policies: Vec<usize> = after
        .iter()
        .zip(before)
        .enumerate()
        .filter(|(_, (a, b))| a.undecided > **b)
        .map(|(i, _)| i)
        .collect();
    if !policies.is_empty() {
        out.push(Undecided {
            path: path.clone(),
            at: res.root.span.start,
            resource: res.id.to_string(),
            policies,
        });
    }
}

/// Merges the per-pass records of one resource.
fn merge_undecided(mut all: Vec<Undecided>) -> Vec<Undecided> {
    let mut by: BTreeMap<(Arc<str>, Pos, String), Vec<usize>> = BTreeMap::new();
    for u in all.drain(..) {
        by.entry((u.path, u.at, u.resource))
            .or_default()
            .extend(u.policies);
    }
    by.into_iter()
        .map(|((path, at, resource), mut policies)| {
            policies.sort_unstable();
            policies.dedup();
            Undecided {
                path,
                at,
                resource,
                policies,
            }
        })
        .collect()
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
pub fn run(inputs: &[Input], set: &PolicySet, opts: &Options) -> RunResult {
    let grouped = terraform::group(inputs, opts);
    let inputs = grouped.as_deref().unwrap_or(inputs);
    // One work unit per file: rayon's default splitting hands out contiguous runs of files,
    // and a run of a few large files (sorted next to each other) would then keep one core busy
    // while the other idles.
    let in_flight = InFlight::new(MAX_MEMORY_IN_FLIGHT);
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

    let mut result = RunResult {
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
        result.resources = kept;
        return result;
    }
    if !opts.parse_only && !kept.is_empty() {
        let index = Index::new(kept.iter());
        let relational: Vec<(Vec<Finding>, Vec<PolicyStats>, Vec<Undecided>)> = kept
            .par_iter()
            .with_max_len(1)
            .map(|res| {
                catch_unwind(AssertUnwindSafe(|| {
                let mut raw = Vec::new();
                let mut stats = vec![PolicyStats::default(); set.policies.len()];
                let mut locator = Locator::default();
                let mut undecided = Vec::new();
                for cref in set.applicable(res) {
                    if set.check(cref).needs_index {
                        run_check(
                            set,
                            cref,
                            res,
                            Some(&index),
                            &mut locator,
                            &mut raw,
                            &mut stats[cref.0],
                        );
                    }
                }
                let findings = raw
                    .into_iter()
                    .map(|r| {
                        to_finding(
                            r,
                            res,
                            set,
                            &paths[res.file],
                            &paths,
                            templates[res.file].as_deref(),
                        )
                    })
                    .collect();
                note_undecided(res, &paths[res.file], &vec![0; stats.len()], &stats, &mut undecided);
                (findings, stats, undecided)
                }))
                .unwrap_or_else(|panic| {
                    let mut findings = Vec::new();
                    linter_finding(
                        set,
                        "AKL004",
                        &paths[res.file],
                        res.root.span,
                        format!(
                            "internal error while checking {} `{}` against other resources: {}; please report it",
                            res.kind(),
                            res.name().unwrap_or("(unnamed)"),
                            panic_message(&*panic)
                        ),
                        &mut findings,
                    );
                    (findings, Vec::new(), Vec::new())
                })
            })
            .collect();
        drop(index);
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

    suppressions.extend(opts.suppressions.iter().cloned());
    let today = opts.today.clone().unwrap_or_else(suppress::today);
    result.suppressed = suppress::apply(&mut result.findings, &suppressions, set, &today);
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
    result
}

/// Output order, and findings with the same dedupe key reported once (the first in order).
fn sort_and_dedupe(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen = HashSet::new();
    findings.retain(|f| f.dedupe_key.as_ref().is_none_or(|k| seen.insert(k.clone())));
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn crashed(input: &Input, set: &PolicySet, panic: Box<dyn std::any::Any + Send>) -> FileOutcome {
    let what = panic_message(&*panic);
    let mut out = FileOutcome::new(input.display.clone(), input.explicit, set);
    out.summary.kind = FileKind::Broken;
    linter_finding(
        set,
        "AKL004",
        &input.display,
        Span::new(Pos::new(1, 1), Pos::new(1, 1)),
        format!("internal error while checking this file: {what}; please report it"),
        &mut out.findings,
    );
    out
}

/// A finding of the linter itself (AKL001 parse error, AKL003 limit, AKL004 crash).
fn linter_finding(
    set: &PolicySet,
    id: &str,
    path: &Arc<str>,
    span: Span,
    message: String,
    out: &mut Vec<Finding>,
) {
    let Some(rule) = set.index_of(id) else { return };
    if !set.enabled[rule] {
        return;
    }
    out.push(Finding {
        id: id.into(),
        rule,
        severity: set.severity[rule],
        fingerprint: fingerprint(&[id, path, &message]),
        // A parameters file shared by templates can be reported by each of them.
        dedupe_key: Some(format!("{id}#{path}#{:?}#{message}", span.start)),
        resource_file: None,
        suppression: None,
        also_at: None,
        message,
        path: path.clone(),
        span,
        resource: None,
        node_path: String::new(),
        related: Vec::new(),
    });
}

/// Why a file could not be read: message, position if known, and the AKL id to report.
type ReadFailure = (String, Option<Pos>, &'static str);

fn read_input(input: &Input) -> Result<(Arc<str>, u64), ReadFailure> {
    let read: Vec<u8>;
    let bytes: &[u8] = match &input.origin {
        Origin::Stdin(text) => {
            check_no_nul(text)?;
            return Ok((text.clone(), text.len() as u64));
        }
        Origin::PipedOverLimit => {
            return Err((
                format!(
                    "standard input is over the {} limit; the rest was not read",
                    mebibytes(MAX_FILE_BYTES)
                ),
                None,
                "AKL003",
            ));
        }
        Origin::Piped(bytes) => bytes,
        Origin::File(p) => {
            // A regular file only (a link to `/dev/zero` or a FIFO never ends), capped.
            read = crate::confine::read_bytes(p).map_err(|e| match e {
                crate::confine::ReadError::TooLarge { size, limit } => (
                    format!("file is {size}, over the {limit} limit; it was not read"),
                    None,
                    "AKL003",
                ),
                e => (format!("cannot read file: {e}"), None, "AKL001"),
            })?;
            &read
        }
    };
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            check_no_nul(s)?;
            Ok((s.into(), bytes.len() as u64))
        }
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            Err((
                "file is not valid UTF-8".into(),
                Some(text_pos(prefix, valid)),
                "AKL001",
            ))
        }
    }
}

fn check_no_nul(text: &str) -> Result<(), ReadFailure> {
    match text.find('\0') {
        Some(nul) => Err((
            "file contains NUL bytes (binary data)".into(),
            Some(text_pos(text, nul)),
            "AKL001",
        )),
        None => Ok(()),
    }
}

/// The line and column of a byte offset, a leading byte-order mark not counted (as everywhere
/// else).
fn text_pos(text: &str, offset: usize) -> Pos {
    let mut pos = LineIndex::new(text).pos(text, offset);
    if pos.line == 1 && text.starts_with('\u{feff}') && offset > 0 {
        pos.col -= 1;
    }
    pos
}

/// `104857600` → `100 MiB`; a size just over it gets two decimals (`100.00 MiB`) rather than
/// reading like the limit itself.
fn process_file(file: usize, input: &Input, set: &PolicySet, opts: &Options) -> FileOutcome {
    #[cfg(test)]
    if input.display.ends_with("panic-in-process-file.yaml") {
        panic!("injected by a test");
    }
    let mut out = FileOutcome::new(input.display.clone(), input.explicit, set);
    if opts.input_format == InputFormat::Auto && terraform::is_module_input(input) {
        terraform::process(file, input, set, opts, &mut out);
        return out;
    }
    let path = input.display.clone();
    // A file named explicitly without an extension (`~/.kube/config`) is read as YAML, but
    // only counts as an input if it parses and holds Kubernetes objects: a Makefile passed by
    // a pre-commit hook must not become a parse error.
    let mut tentative = false;
    let syntax = match (opts.input_format, syntax_for(&path)) {
        (InputFormat::Auto, Some(s)) => s,
        (InputFormat::Auto, None) if input.explicit && !has_extension(&path) => {
            tentative = true;
            Syntax::Yaml
        }
        (InputFormat::Auto, None) if matches!(input.origin, Origin::File(_)) => return out,
        (InputFormat::Arm | InputFormat::Terraform, _) => Syntax::Json,
        _ => match &input.origin {
            Origin::Stdin(t) => syntax_for(&path).unwrap_or_else(|| sniff(t)),
            Origin::Piped(b) => syntax_for(&path)
                .unwrap_or_else(|| sniff(&String::from_utf8_lossy(&b[..b.len().min(4096)]))),
            Origin::File(_) | Origin::PipedOverLimit => syntax_for(&path).unwrap_or(Syntax::Yaml),
        },
    };
    if syntax == Syntax::Yaml
        && let Origin::File(p) = &input.origin
        && is_chart_template(p)
    {
        // `{{ ... }}` is not YAML until Helm renders it.
        return out;
    }
    let (full_text, bytes) = match read_input(input) {
        Ok(t) => t,
        Err((message, pos, id)) => {
            out.summary.kind = FileKind::Broken;
            let p = pos.unwrap_or(Pos::new(1, 1));
            linter_finding(set, id, &path, Span::new(p, p), message, &mut out.findings);
            return out;
        }
    };
    out.bytes = bytes;
    let text = strip_bom(&full_text);
    out.suppressions = suppress::scan_comments(text, &path);
    // Code frames must index the same text the positions were computed on.
    let full_text: Arc<str> = if text.len() == full_text.len() {
        full_text.clone()
    } else {
        Arc::from(text)
    };
    let (docs, helm, shadowed) = match syntax {
        Syntax::Yaml => match parse_yaml(text, &path, set, opts.limits, tentative, &mut out) {
            Some(parsed) => parsed,
            None => return out,
        },
        Syntax::Json => match parse_json(text, &path, set, opts, &mut out) {
            Some(JsonDoc::Kubernetes(doc, shadowed)) => (
                vec![doc],
                SourceMap::default(),
                shadowed.into_iter().collect(),
            ),
            Some(JsonDoc::Arm(root)) => {
                out.text = Some(full_text);
                process_arm(file, input, root, set, opts, &mut out);
                return out;
            }
            Some(JsonDoc::Plan(root)) => {
                process_plan(file, input, root, text, set, opts, &mut out);
                return out;
            }
            None => {
                if out.summary.kind == FileKind::Broken {
                    // Not parsed: its secrets are found line by line.
                    out.text = Some(secrets::mask_lines(&full_text).into());
                }
                return out;
            }
        },
    };
    // Secret values never reach a code frame (nor its context lines).
    // The values a duplicate key shadowed are only in the first-value reading.
    let secret: Vec<Span> = docs
        .iter()
        .chain(&shadowed)
        .flat_map(secrets::spans)
        .collect();
    // Text the parser did not turn into values (past a syntax error) is masked line by line.
    let unparsed = out
        .findings
        .iter()
        .any(|f| matches!(&*f.id, "AKL001" | "AKL003"));
    let resources = kubernetes::resources(file, docs, &helm);
    if !resources.is_empty() && out.summary.kind != FileKind::Broken {
        out.summary.kind = if helm.is_helm() || opts.input_format == InputFormat::Helm {
            FileKind::Helm
        } else {
            FileKind::Kubernetes
        };
    }
    out.summary.resources = resources.len();
    out.secrets.add(&full_text, &secret);
    out.text = Some(if unparsed {
        secrets::mask_lines(&masked(&full_text, &secret)).into()
    } else {
        masked(&full_text, &secret)
    });
    if opts.parse_only {
        return out;
    }
    if opts.collect {
        out.kept = resources;
        return out;
    }
    if helm.is_helm() {
        let on_disk = match &input.origin {
            Origin::File(p) => Some(p.as_path()),
            Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => None,
        };
        let found = TemplateFiles::find(&helm, on_disk, opts.helm_chart.as_deref(), &input.root);
        out.extra_texts.extend(
            found
                .texts()
                .map(|(p, t)| (p.clone(), Arc::from(secrets::mask_lines(t)))),
        );
        out.templates = Some(Arc::new(found));
    }
    let templates = out.templates.clone();
    check_resources(resources, set, &path, templates.as_deref(), &mut out);
    if !shadowed.is_empty() {
        check_shadowed(
            file,
            shadowed,
            &helm,
            set,
            &path,
            templates.as_deref(),
            &mut out,
        );
    }
    out
}

/// The per-resource checks on the documents read with the first value of each duplicated
/// key and the written values over merges (`yaml::load_shadowed`): a finding not already
/// reported at the same place is added. Neither counted as
/// resources nor seen by cross-resource checks (they are the same objects).
fn check_shadowed(
    file: usize,
    docs: Vec<Node>,
    helm: &SourceMap,
    set: &PolicySet,
    path: &Arc<str>,
    templates: Option<&TemplateFiles>,
    out: &mut FileOutcome,
) {
    let mut scratch = FileOutcome::new(path.clone(), false, set);
    check_resources(
        kubernetes::resources(file, docs, helm),
        set,
        path,
        templates,
        &mut scratch,
    );
    let seen: std::collections::HashSet<(Arc<str>, Arc<str>, Span)> = out
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.path.clone(), f.span))
        .collect();
    out.findings.extend(
        scratch
            .findings
            .into_iter()
            .filter(|f| !seen.contains(&(f.id.clone(), f.path.clone(), f.span))),
    );
}

/// `text` with the values at `spans` masked (same length); shared when there are none.
fn masked(text: &Arc<str>, spans: &[Span]) -> Arc<str> {
    if spans.is_empty() {
        text.clone()
    } else {
        tfplan::redact(text, spans).into()
    }
}

/// The memory files being parsed and checked at once may take, whatever `--jobs` is. What a
/// file takes is estimated before it is read from its size: a tree takes up to ~64 times the
/// bytes it is read from (2-byte nodes such as `[1,1,1,…]` of ~120 bytes each), and never more
/// than `Limits::max_nodes` allow (4,000,000 nodes: ~768 MiB with the text). A file waits until
/// its estimate fits; one alone always runs.
pub const MAX_MEMORY_IN_FLIGHT: u64 = 2 * 1024 * 1024 * 1024;
const MEMORY_PER_INPUT_BYTE: u64 = 64;
const MAX_MEMORY_PER_FILE: u64 = 768 * 1024 * 1024;

/// A counting semaphore of estimated bytes of memory.
struct InFlight {
    used: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
    cap: u64,
}

struct Permit<'a> {
    of: &'a InFlight,
    bytes: u64,
}

impl InFlight {
    fn new(cap: u64) -> Self {
        InFlight {
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
            cap,
        }
    }

    /// Waits until `bytes` (at most the whole cap: a bigger file runs alone) fit.
    fn acquire(&self, bytes: u64) -> Permit<'_> {
        let bytes = bytes.min(self.cap);
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used + bytes > self.cap {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += bytes;
        Permit { of: self, bytes }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self
            .of
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used -= self.bytes;
        self.of.freed.notify_all();
    }
}

/// The size of an input as far as known before reading it.
fn input_bytes(input: &Input) -> u64 {
    match &input.origin {
        Origin::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        Origin::Stdin(t) => t.len() as u64,
        Origin::Piped(b) => b.len() as u64,
        Origin::PipedOverLimit => 0,
    }
}

/// Per-resource checks; resources that relational checks may need are kept.
fn check_resources(
    resources: Vec<Resource>,
    set: &PolicySet,
    path: &Arc<str>,
    templates: Option<&TemplateFiles>,
    out: &mut FileOutcome,
) {
    let mut raw = Vec::new();
    for res in resources {
        out.suppressions.extend(suppress::of_resource(&res, path));
        let checks = set.applicable(&res);
        let relevant = set.is_relation_relevant(&res, &checks);
        let mut locator = Locator::default();
        let before: Vec<u64> = out.stats.iter().map(|s| s.undecided).collect();
        for &cref in &checks {
            if !set.check(cref).needs_index {
                run_check(
                    set,
                    cref,
                    &res,
                    None,
                    &mut locator,
                    &mut raw,
                    &mut out.stats[cref.0],
                );
            }
        }
        out.findings.extend(
            raw.drain(..)
                .map(|r| to_finding(r, &res, set, path, &[], templates)),
        );
        note_undecided(&res, path, &before, &out.stats, &mut out.undecided);
        if relevant {
            out.kept.push(res);
        }
    }
}

/// A Terraform plan: join planned values with changes, find the `.tf` sources, check.
fn process_plan(
    file: usize,
    input: &Input,
    root: Node,
    text: &str,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) {
    let path = input.display.clone();
    out.summary.kind = FileKind::Terraform;
    let (dir, shown) = match (&opts.tf_root, &input.origin) {
        (Some(r), _) => (
            r.clone(),
            std::path::PathBuf::from(crate::discover::display_path(r)),
        ),
        (None, Origin::File(p)) => (
            p.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            std::path::Path::new(&*path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
        ),
        (None, Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit) => {
            (std::path::PathBuf::from("."), std::path::PathBuf::new())
        }
    };
    let dir = if dir.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        dir
    };
    // A `--tf-root` (or the configuration's `tf-root`, checked to be in the repository) is
    // the user's; otherwise the plan's own scanned root bounds what its modules may name.
    let confine = match &opts.tf_root {
        Some(r) => crate::confine::ScanRoot::for_named(r, None),
        None => input.root.clone(),
    };
    let sources =
        tfplan::source::SourceIndex::build(root.get("configuration"), &dir, &shown, &confine);
    let plan_secrets = secrets::spans(&root);
    // Findings land on these `.tf` lines: their frames and suppression comments.
    for (p, t) in sources.files() {
        out.suppressions.extend(suppress::scan_comments(&t, &p));
        out.extra_texts.push((p, secrets::mask_lines(&t).into()));
    }
    let loaded = tfplan::load(file, &root, &sources);
    drop(root);
    out.notes
        .extend(loaded.notes.iter().map(|n| (n.clone(), path.clone())));
    out.not_linted = loaded
        .unmatched_updates
        .iter()
        .map(|(address, at)| NotLinted {
            path: path.clone(),
            at: at.start,
            resource: format!("azapi_update_resource {address}"),
            why: "its target (resource_id) is not in the plan",
        })
        .collect();
    // Code frames must never show a sensitive value, nor one named like a credential.
    let mut hidden = loaded.sensitive.clone();
    hidden.extend(plan_secrets);
    out.secrets.add(text, &hidden);
    out.text = Some(tfplan::redact(text, &hidden).into());
    for (span, message) in &loaded.problems {
        linter_finding(
            set,
            "AKL001",
            &path,
            *span,
            message.clone(),
            &mut out.findings,
        );
    }
    out.summary.resources = loaded.resources.len();
    if opts.parse_only {
        return;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return;
    }
    check_resources(loaded.resources, set, &path, None, out);
}

/// An ARM template: bind its parameters files, evaluate, check what it deploys.
fn process_arm(
    file: usize,
    input: &Input,
    root: Node,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) {
    let path = input.display.clone();
    out.summary.kind = FileKind::Arm;
    if let Some(text) = out.text.clone() {
        let spans = secrets::arm_template_spans(&root);
        out.secrets.add(&text, &spans);
        out.text = Some(masked(&text, &spans));
    }
    let secure = secrets::secure_parameters(&root);
    if out.bytes > arm::eval::AZURE_MAX_TEMPLATE_BYTES as u64 {
        // Azure rejects it; evaluating it would only multiply a hostile file's size.
        linter_finding(
            set,
            "AKL003",
            &path,
            Span::new(root.span.start, root.span.start),
            format!(
                "template of {:.1} MiB exceeds Azure Resource Manager's limit of 4 MiB: not evaluated",
                out.bytes as f64 / (1024.0 * 1024.0)
            ),
            &mut out.findings,
        );
        return;
    }
    let on_disk = match &input.origin {
        Origin::File(p) => Some(p.as_path()),
        Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => None,
    };
    // Named by the user (command line, or a configuration checked to be in the repository),
    // else found beside the template: then only inside the scanned root.
    let param_paths: Vec<std::path::PathBuf> = if !opts.arm_parameters.is_empty() {
        opts.arm_parameters.clone()
    } else {
        on_disk
            .map(arm::params::beside)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| input.root.has_file(p))
            .collect()
    };
    let mut parameter_files = Vec::new();
    for p in param_paths {
        // Shown beside the template as the template is shown (relative stays relative).
        let shown: Arc<str> = if opts.arm_parameters.is_empty() {
            std::path::Path::new(&*path)
                .with_file_name(p.file_name().unwrap_or_default())
                .to_string_lossy()
                .into()
        } else {
            crate::discover::display_path(&p).into()
        };
        match arm::params::read(&p, shown.clone(), opts.limits) {
            Ok(pf) => {
                let hidden = secrets::arm_parameters_spans(&pf.root, &secure);
                out.secrets.add(&pf.text, &hidden);
                out.extra_texts.push((shown, masked(&pf.text, &hidden)));
                parameter_files.push(pf);
            }
            Err((pos, message)) => linter_finding(
                set,
                "AKL001",
                &shown,
                Span::new(pos, pos),
                message,
                &mut out.findings,
            ),
        }
    }
    let bicep = on_disk.and_then(|p| arm::bicep::beside(p, &path, &input.root));
    let label = std::path::Path::new(&*path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    let loaded = arm::load(file, &label, &root, &parameter_files, bicep);
    drop(root);
    for (span, message) in &loaded.errors {
        let shown = match span.src {
            0 => path.clone(),
            n => parameter_files
                .get(usize::from(n) - 1)
                .map_or_else(|| path.clone(), |p| p.path.clone()),
        };
        linter_finding(
            set,
            "AKL001",
            &shown,
            span.in_source(0),
            message.clone(),
            &mut out.findings,
        );
    }
    if loaded.exceeded {
        linter_finding(
            set,
            "AKL003",
            &path,
            Span::new(Pos::new(1, 1), Pos::new(1, 1)),
            "template evaluation exceeded its work and memory limit; values past it are unknown"
                .into(),
            &mut out.findings,
        );
    }
    for (span, why) in &loaded.over_limits {
        linter_finding(set, "AKL003", &path, *span, why.clone(), &mut out.findings);
    }
    out.unknown_functions = loaded.unknown_functions;
    out.not_deployed = loaded
        .skipped
        .iter()
        .map(|s| NotDeployed {
            path: path.clone(),
            at: s.at.start,
            resource: s.resource.clone(),
            parameters: s.parameters.clone(),
        })
        .collect();
    out.summary.resources = loaded
        .resources
        .iter()
        .filter(|r| r.kind() != "template")
        .count();
    if opts.parse_only {
        return;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return;
    }
    check_resources(loaded.resources, set, &path, None, out);
}

/// A file under a Helm chart's `templates/` directory (next to `Chart.yaml`).
pub fn is_chart_template(path: &std::path::Path) -> bool {
    path.ancestors().skip(1).any(|a| {
        a.file_name().is_some_and(|n| n == "templates")
            && a.parent().is_some_and(|c| c.join("Chart.yaml").is_file())
    })
}

fn has_extension(path: &str) -> bool {
    std::path::Path::new(path).extension().is_some()
}

/// A syntax error (AKL001) or a refused input (AKL003) of a file, at the parser's position.
fn parse_problem(
    set: &PolicySet,
    path: &Arc<str>,
    limit: bool,
    what: &str,
    pos: Pos,
    error: &dyn std::fmt::Display,
    out: &mut FileOutcome,
) {
    let (id, message) = if limit {
        ("AKL003", format!("input refused: {error}"))
    } else {
        ("AKL001", format!("{what} syntax error: {error}"))
    };
    linter_finding(
        set,
        id,
        path,
        Span::new(pos, pos),
        message,
        &mut out.findings,
    );
    out.summary.kind = FileKind::Broken;
}

/// The documents of a YAML stream (those before a syntax error too) and its Helm sources.
/// A `tentative` file (named without an extension) is `None` unless it parses cleanly and
/// holds a Kubernetes object.
fn parse_yaml(
    text: &str,
    path: &Arc<str>,
    set: &PolicySet,
    limits: Limits,
    tentative: bool,
    out: &mut FileOutcome,
) -> Option<(Vec<Node>, SourceMap, Vec<Node>)> {
    // Documents that are not Kubernetes objects are dropped as they are read (values files,
    // CI configuration): their trees never add up in memory.
    let stream = yaml::load_kept(text, Schema::Yaml11, limits, is_kubernetes_object);
    if tentative && (stream.error.is_some() || !stream.docs.iter().any(is_kubernetes_object)) {
        return None;
    }
    // A values file or CI config with a duplicate key is not an input: not our finding.
    let has_objects = stream.docs.iter().any(is_kubernetes_object);
    for d in stream.duplicates.iter().filter(|_| has_objects) {
        linter_finding(
            set,
            "AKL001",
            path,
            d.second,
            format!(
                "duplicate key `{}` (first at line {}); kubectl and Helm keep the last value, \
                 other readers may take the first: both are linted",
                d.key, d.first.start.line
            ),
            &mut out.findings,
        );
    }
    if let Some(e) = &stream.error {
        parse_problem(set, path, e.is_limit(), "YAML", e.pos(), e, out);
    }
    // The documents with a duplicated key, or with a written key a later `<<` merge set
    // again, once more with the first value of each and the written values over merges (one
    // more reading of the file, whatever their number): linted too, so that writing
    // `securityContext:` twice, or `privileged: true` before a `<<` of `privileged: false`
    // (kubectl reads `false`, the merge-key spec and go-yaml v3 `true`), cannot hide a value.
    let mut shadows: Vec<Pos> = stream
        .duplicates
        .iter()
        .map(|d| d.second.start)
        .chain(stream.merged_over.iter().map(|s| s.start))
        .collect();
    let shadowed = if has_objects && !shadows.is_empty() {
        // Sorted, so that many documents and many repeats cost a search each, not a product.
        shadows.sort_unstable();
        let first = yaml::load_shadowed(text, Schema::Yaml11, limits, is_kubernetes_object);
        first
            .docs
            .into_iter()
            .filter(|doc| {
                let i = shadows.partition_point(|p| *p < doc.span.start);
                shadows.get(i).is_some_and(|p| *p <= doc.span.end)
            })
            .collect()
    } else {
        Vec::new()
    };
    Some((stream.docs, SourceMap::scan(text), shadowed))
}

enum JsonDoc {
    /// The manifest, and when it repeats a key, the manifest read with the first values.
    Kubernetes(Node, Option<Node>),
    Arm(Node),
    Plan(Node),
}

/// The document of a JSON file to lint; `None` when there is nothing to lint (recording
/// why in `out.summary.kind`).
fn parse_json(
    text: &str,
    path: &Arc<str>,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) -> Option<JsonDoc> {
    let lines = LineIndex::new(text);
    let limits = opts.limits;
    // Duplicate keys are reported, then the document is linted with the last value of each
    // (what the API server or ARM would read, had they accepted it), as for YAML.
    let mut repeats = false;
    let loaded = json::load_document(text, &lines, limits).map(|doc| {
        if let Some(root) = &doc.root
            && let Some(consequence) = json::duplicate_consequence(root)
        {
            repeats = !doc.duplicates.is_empty();
            for d in &doc.duplicates {
                linter_finding(
                    set,
                    "AKL001",
                    path,
                    d.second,
                    format!(
                        "duplicate key `{}` (first at line {}); {consequence}",
                        d.key, d.first.start.line
                    ),
                    &mut out.findings,
                );
            }
        }
        doc.root
    });
    match loaded {
        Ok(Some(root)) if opts.input_format == InputFormat::Arm => Some(JsonDoc::Arm(root)),
        Ok(Some(root)) if opts.input_format == InputFormat::Terraform => Some(JsonDoc::Plan(root)),
        Ok(Some(root)) => match classify_json(&root) {
            JsonKind::Kubernetes => {
                let shadowed = repeats
                    .then(|| json::load_shadowed(text, &lines, limits).ok()?.root)
                    .flatten();
                Some(JsonDoc::Kubernetes(root, shadowed))
            }
            JsonKind::ArmTemplate => Some(JsonDoc::Arm(root)),
            // Read with the template it belongs to.
            JsonKind::ArmParameters => None,
            JsonKind::TerraformPlan => Some(JsonDoc::Plan(root)),
            JsonKind::Other => None,
        },
        Ok(None) => None,
        Err(e) => {
            let limit = e.is_limit();
            parse_problem(set, path, limit, "JSON", e.pos(), &e, out);
            None
        }
    }
}

/// `all_paths` resolves the file of a related resource (empty before the relation pass).
fn to_finding(
    raw: RawFinding,
    res: &Resource,
    set: &PolicySet,
    path: &Arc<str>,
    all_paths: &[Arc<str>],
    templates: Option<&TemplateFiles>,
) -> Finding {
    let policy = &set.policies[raw.check.0];
    let path = path.clone();
    let resource_file = Some(path.clone());
    let mut related = Vec::new();
    // A Helm finding lands on the chart template's line when the template is on disk.
    let mut in_template = None;
    if let Some(t) = &res.helm_source {
        let found = templates
            .and_then(|ts| ts.get(t))
            .and_then(|(shown, text)| {
                template_line(text, &path_keys(&raw)).map(|span| (shown.clone(), span))
            });
        match found {
            Some(at) => {
                related.push(RelatedLocation {
                    path: path.clone(),
                    span: Some(raw.span),
                    message: "rendered here".into(),
                    in_repository: true,
                });
                in_template = Some(at);
            }
            None => related.push(RelatedLocation {
                path: t.as_ref().into(),
                span: None,
                message: "rendered from this Helm template".into(),
                in_repository: false,
            }),
        }
    }
    if let Some((file, span, message)) = raw.related_file.clone() {
        let rpath = all_paths.get(file).cloned().unwrap_or_else(|| path.clone());
        related.push(RelatedLocation {
            path: rpath,
            span: Some(span),
            message,
            in_repository: true,
        });
    }
    let ns = res.namespace().unwrap_or("");
    let name = res.name().unwrap_or("");
    let check = set.check(raw.check);
    let dedupe_key = match check.report {
        Report::Each => None,
        Report::OncePerNamespace => Some(format!("{}#{}#{ns}", policy.id, raw.check.1)),
        Report::OncePerResource => Some(format!("{}#{}#{path}#{}", policy.id, raw.check.1, res.id)),
    };
    let mut fingerprint_extra = String::new();
    let (path, dedupe_key) = match &res.arm {
        Some(arm) => {
            let (primary, extra) = arm_locations(arm, res, &raw, &path);
            related.extend(extra);
            if let Some(p) = &arm.parameters {
                fingerprint_extra = p.to_string();
            }
            // Evaluations with different parameters files often agree: say it once.
            let key = dedupe_key.or_else(|| {
                Some(format!(
                    "{}#{primary}#{:?}#{}",
                    policy.id, raw.span.start, raw.message
                ))
            });
            (primary, key)
        }
        None => (path, dedupe_key),
    };
    // A plan resource whose `.tf` block was found: the line a reviewer sees is primary, the
    // planned value related.
    let mut in_tf = None;
    if let Some(src) = res.tf.as_ref().and_then(|t| t.source.as_ref()) {
        related.push(RelatedLocation {
            path: path.clone(),
            span: Some(raw.span.in_source(0)),
            message: format!("`{}` in the plan", res.name().unwrap_or("")),
            in_repository: true,
        });
        in_tf = Some((
            src.path.clone(),
            tfplan::source::attribute_span(src, &path_keys(&raw)),
        ));
    }
    // A `.tf` source resource: the file its node is in, the header of a whole block.
    let (path, raw_span) = crate::adapt::terraform::locate(res, raw.span, &raw.keys, &mut related)
        .unwrap_or((path, raw.span));
    // Identity, not location: the rendered file even when the finding lands in a template.
    let fingerprint = fingerprint(&[
        &policy.id,
        &path,
        res.kind(),
        ns,
        name,
        &raw.stable_path,
        &fingerprint_extra,
    ]);
    let (path, span, also_at) = match in_template.or(in_tf) {
        Some((tpath, tspan)) => (tpath, tspan, Some((path, raw.span))),
        None => (path, raw_span.in_source(0), None),
    };
    Finding {
        id: policy.id.as_str().into(),
        rule: raw.check.0,
        severity: set.severity[raw.check.0],
        fingerprint,
        message: raw.message,
        path,
        span,
        also_at,
        resource: Some(res.id.clone()),
        node_path: raw.node_path,
        related,
        dedupe_key,
        resource_file,
        suppression: None,
    }
}

/// The keys of a finding's path within its resource (`spec.containers[name=a].image` →
/// spec, containers, image), to find it in a source the resource came from.
fn path_keys(raw: &RawFinding) -> Vec<&str> {
    raw.keys.iter().map(String::as_str).collect()
}

/// The file an ARM finding is in (a parameters file when its value came from there), and the
/// related locations that explain it: the resource's declaration, the parameters file used,
/// the Bicep declaration.
fn arm_locations(
    arm: &ArmOrigin,
    res: &Resource,
    raw: &RawFinding,
    template: &Arc<str>,
) -> (Arc<str>, Vec<RelatedLocation>) {
    let mut related = Vec::new();
    let primary = match raw.span.src {
        0 => template.clone(),
        n => arm
            .sources
            .get(usize::from(n) - 1)
            .cloned()
            .unwrap_or_else(|| template.clone()),
    };
    let inside = raw.span.src == 0
        && res.root.span.start <= raw.span.start
        && raw.span.end <= res.root.span.end;
    let what = match &arm.symbol {
        Some(s) => format!("resource `{s}` ({})", res.kind()),
        None => format!("{} `{}`", res.kind(), res.name().unwrap_or("")),
    };
    if !inside {
        related.push(RelatedLocation {
            path: template.clone(),
            span: Some(arm.declared),
            message: format!("{what} is declared here"),
            in_repository: true,
        });
    }
    if let Some(p) = &arm.parameters
        && raw.span.src == 0
    {
        related.push(RelatedLocation {
            path: p.clone(),
            span: None,
            message: "evaluated with the values of this parameters file".into(),
            in_repository: true,
        });
    }
    if let Some(b) = &arm.bicep
        && let Some(line) = arm::bicep::declaration_line(b, arm.symbol.as_deref(), res.kind())
    {
        let keys = path_keys(raw);
        related.push(RelatedLocation {
            path: b.path.clone(),
            span: Some(arm::bicep::property_span(b, line, &keys)),
            message: format!("{what} in the Bicep source"),
            in_repository: true,
        });
    }
    (primary, related)
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
            .filter(|f| &*f.id == "AKL004")
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
