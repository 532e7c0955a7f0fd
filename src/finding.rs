//! Findings, as every renderer receives them.

use std::sync::Arc;

use crate::model::{ResourceId, Span};
use crate::policy::Severity;

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
