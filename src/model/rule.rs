//! The rule table renderers receive beside the report: what each policy is called and how
//! severe it is in this run, without the policy language behind it.

use super::Severity;

/// A rule's long documentation (Markdown), read only by the outputs that show it (SARIF rule
/// help): policies keep it deferred until asked.
pub trait RuleDocs: Sync {
    fn markdown(&self) -> &str;
}

/// One rule of the run, indexed like `Finding::rule`.
#[derive(Clone, Copy)]
pub struct RuleInfo<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// One-line description.
    pub title: &'a str,
    /// How to fix, in a paragraph.
    pub help: &'a str,
    pub docs: &'a dyn RuleDocs,
    /// The policy area tag (`network`, `rbac`, ...).
    pub area: &'static str,
    /// Severity after the run's overrides.
    pub severity: Severity,
    /// Selected for this run (`--select`/`--ignore`, configuration).
    pub enabled: bool,
}

impl std::fmt::Debug for RuleInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleInfo")
            .field("id", &self.id)
            .field("severity", &self.severity)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}
