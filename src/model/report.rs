//! The report: what a run found, as every renderer receives it (the boundary between the
//! linter and its outputs; renderers see nothing else but the rule table).

use std::sync::Arc;

use std::collections::{BTreeMap, BTreeSet};

use super::{Pos, ResourceId, Severity, Span};

/// Another place that helps explain a finding (the Helm template, the related resource).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RelatedLocation {
    pub path: Arc<str>,
    /// `None` when only the file is known (a Helm template before it is mapped to a line).
    pub span: Option<Span>,
    pub message: String,
    /// False for a place known only by name (a Helm `# Source:` template not on disk): a code
    /// scanning location there would point at nothing.
    pub in_repository: bool,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub id: Arc<str>,
    /// Index of the policy in the run's `PolicySet`.
    pub rule: usize,
    pub severity: Severity,
    pub message: String,
    /// Path as reported (relative to the working directory when under it).
    pub path: Arc<str>,
    pub span: Span,
    pub resource: Option<ResourceId>,
    /// Where in the resource the offending node sits (`spec.containers[0].securityContext`).
    pub node_path: String,
    pub fingerprint: String,
    pub related: Vec<RelatedLocation>,
    /// Findings with the same key are reported once (`report: once-per-namespace`).
    pub dedupe_key: Option<String>,
    /// The file of the resource the finding is about (an ARM finding may point into a
    /// parameters file): what resource-level suppressions are matched against.
    pub resource_file: Option<Arc<str>>,
    /// Set when a suppression (inline comment, annotation, configuration) silences it.
    pub suppression: Option<Suppression>,
    /// Where else the finding is: the rendered line of a finding placed on a Helm template
    /// line (suppression comments there apply too).
    pub also_at: Option<(Arc<str>, Span)>,
}

/// Why a finding is not reported, as SARIF `suppressions` say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// `inSource` (a comment or annotation in the file) or `external` (the configuration).
    pub kind: SuppressionKind,
    pub justification: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    InSource,
    External,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

impl Finding {
    /// The order every output uses: file, line, column, id, then the rest for total order.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.path,
            self.span.start,
            &self.id,
            self.span.end,
            &self.message,
            &self.fingerprint,
        )
    }
}

/// Stable 64-bit FNV-1a, printed as hex: fingerprints must not depend on the Rust version or
/// a random hasher seed.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Per-policy counts for `--statistics` and the fixture harness.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyStats {
    /// Evaluations that came out compliant.
    pub passed: u64,
    /// Evaluations that made a finding.
    pub failed: u64,
    /// Evaluations whose verdict could not be known statically (reported nothing).
    pub unknown: u64,
    /// Of those, the ones undecided because a value is known only at deployment (an ARM
    /// parameter or `reference()`, a Terraform value known after apply) — not because the
    /// other side of a relation was not scanned.
    pub undecided: u64,
}

impl PolicyStats {
    pub fn add(&mut self, o: &PolicyStats) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.unknown += o.unknown;
        self.undecided += o.undecided;
    }
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
pub struct Report {
    pub findings: Vec<Finding>,
    /// Indexed like `PolicySet::policies`.
    pub stats: Vec<PolicyStats>,
    pub files: Vec<FileSummary>,
    /// Text of every file a finding points into (for code frames).
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    pub bytes: u64,
    /// ARM functions met that the evaluator does not implement (their values were unknown).
    pub unknown_functions: BTreeSet<String>,
    /// Findings the baseline (`--baseline`) marked as accepted (they are among `suppressed`).
    pub baseline_hidden: usize,
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

impl Report {
    /// Undecided checks (deployment values), summed over the policies.
    pub fn undecided_checks(&self) -> u64 {
        self.stats.iter().map(|s| s.undecided).sum()
    }
}

/// The linter's own findings: problems with the input or the run rather than with what it
/// describes. Each is a policy of the `linter` area, so it can be selected, ignored and
/// re-ranked like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinterCode {
    /// AKL001: the input cannot be read or parsed (or says something its format rejects).
    ParseError,
    /// AKL002: a suppression comment or setting is malformed, expired or unused.
    SuppressionProblem,
    /// AKL003: the input exceeds a limit (size, nesting, aliases, evaluation budget).
    InputLimitExceeded,
    /// AKL004: akslint failed on this input (a bug); the run goes on.
    InternalError,
}

impl LinterCode {
    pub const fn id(self) -> &'static str {
        match self {
            LinterCode::ParseError => "AKL001",
            LinterCode::SuppressionProblem => "AKL002",
            LinterCode::InputLimitExceeded => "AKL003",
            LinterCode::InternalError => "AKL004",
        }
    }

    /// True for the findings that mean part of the file was not read into values.
    pub fn leaves_text_unparsed(self) -> bool {
        matches!(
            self,
            LinterCode::ParseError | LinterCode::InputLimitExceeded
        )
    }
}

impl Finding {
    /// Which linter finding this is, if it is one.
    pub fn linter_code(&self) -> Option<LinterCode> {
        [
            LinterCode::ParseError,
            LinterCode::SuppressionProblem,
            LinterCode::InputLimitExceeded,
            LinterCode::InternalError,
        ]
        .into_iter()
        .find(|c| *self.id == *c.id())
    }
}
