//! The compiled form of a policy file (DESIGN §2).

use std::str::FromStr;

use regex::Regex;

use super::path::Path;
use super::template::Template;
use crate::model::{Format, Node};

pub use crate::model::{Level, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Auth,
    Rbac,
    Identity,
    Network,
    Secrets,
    Workload,
    Platform,
    CrossLayer,
    Linter,
}

impl Area {
    pub const ALL: [Area; 9] = [
        Area::Auth,
        Area::Rbac,
        Area::Identity,
        Area::Network,
        Area::Secrets,
        Area::Workload,
        Area::Platform,
        Area::CrossLayer,
        Area::Linter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Auth => "auth",
            Area::Rbac => "rbac",
            Area::Identity => "identity",
            Area::Network => "network",
            Area::Secrets => "secrets",
            Area::Workload => "workload",
            Area::Platform => "platform",
            Area::CrossLayer => "cross-layer",
            Area::Linter => "linter",
        }
    }
}

impl FromStr for Area {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Area::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Area::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown area `{s}` (expected one of {})", names.join(", "))
            })
    }
}

/// A policy's Markdown documentation. Built-in policies keep theirs as an unparsed YAML
/// fragment until something asks for it: the `docs` block scalars are most of the embedded
/// policy text, and only `explain`, `rules --format markdown`, SARIF and hovers read them, so
/// parsing them at every start-up would cost a one-file run a fifth of its instructions.
#[derive(Debug, Default)]
pub struct Docs {
    text: std::sync::OnceLock<String>,
    /// `docs: |` and its indented lines, exactly as in the policy file.
    fragment: Option<&'static str>,
}

impl Docs {
    pub fn new(text: String) -> Docs {
        Docs {
            text: std::sync::OnceLock::from(text),
            fragment: None,
        }
    }

    /// Docs read from `fragment` (a one-key YAML mapping `docs: ...`) on first use.
    pub fn deferred(fragment: &'static str) -> Docs {
        Docs {
            text: std::sync::OnceLock::new(),
            fragment: Some(fragment),
        }
    }

    pub fn as_str(&self) -> &str {
        self.text.get_or_init(|| {
            let fragment = self.fragment.unwrap_or_default();
            let stream = crate::source::yaml::load(
                fragment,
                crate::source::scalar::Schema::Core,
                crate::source::Limits::default(),
            );
            stream
                .docs
                .first()
                .and_then(|root| root.get("docs"))
                .and_then(|d| d.as_str())
                .unwrap_or_default()
                .to_string()
        })
    }
}

impl crate::model::RuleDocs for Docs {
    fn markdown(&self) -> &str {
        self.as_str()
    }
}

impl std::ops::Deref for Docs {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One policy file.
#[derive(Debug)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub area: Area,
    pub severity: Severity,
    pub title: String,
    pub message: Template,
    pub help: String,
    pub docs: Docs,
    pub references: Vec<String>,
    pub checks: Vec<Check>,
    /// Named, user-overridable values and their defaults (`settings.trusted-registries`).
    pub settings: std::collections::BTreeMap<String, Vec<String>>,
    /// Where the policy was read from (`policies/network/NET007.yaml`, or a user path).
    pub origin: String,
    pub builtin: bool,
}

impl Policy {
    /// Formats this policy's checks name, sorted and deduplicated.
    pub fn formats(&self) -> Vec<Format> {
        let mut f: Vec<Format> = self.checks.iter().map(|c| c.on.format).collect();
        f.sort();
        f.dedup();
        f
    }
}

#[derive(Debug)]
pub struct Check {
    pub on: Selector,
    /// Paths whose elements are each evaluated on their own (`containers` expands to three).
    pub for_each: Vec<Path>,
    /// Only mapping elements count (`for_each: containers`: a malformed `containers:` mapping
    /// must not turn its values into containers).
    pub for_each_objects_only: bool,
    pub when: Option<Cond>,
    pub require: Option<Cond>,
    pub forbid: Option<Cond>,
    pub message: Option<Template>,
    pub report: Report,
    /// True when the check contains a `related` test and so runs after all files are loaded.
    pub needs_index: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Each,
    OncePerNamespace,
    OncePerResource,
}

/// `on: <format> <kinds>`.
#[derive(Clone, Debug)]
pub struct Selector {
    pub format: Format,
    pub kinds: KindSet,
}

#[derive(Clone, Debug)]
pub enum KindSet {
    Any,
    /// Every pod-bearing kind.
    Workload,
    Kinds(Vec<KindName>),
}

/// A kind, optionally qualified by API group (`aadpodidentity.k8s.io/AzureIdentity`).
#[derive(Clone, Debug)]
pub struct KindName {
    pub group: Option<String>,
    pub kind: String,
}

#[derive(Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Leaf(Leaf),
    Related(Box<Related>),
}

impl Cond {
    /// Visits every operator, `related` sub-conditions included.
    pub fn for_each_op_mut(&mut self, f: &mut dyn FnMut(&mut Op)) {
        match self {
            Cond::All(c) | Cond::Any(c) => c.iter_mut().for_each(|c| c.for_each_op_mut(f)),
            Cond::Not(c) => c.for_each_op_mut(f),
            Cond::Leaf(l) => f(&mut l.op),
            Cond::Related(r) => {
                for c in [&mut r.where_, &mut r.require, &mut r.forbid]
                    .into_iter()
                    .flatten()
                {
                    c.for_each_op_mut(f);
                }
            }
        }
    }

    pub fn has_related(&self) -> bool {
        match self {
            Cond::All(c) | Cond::Any(c) => c.iter().any(Cond::has_related),
            Cond::Not(c) => c.has_related(),
            Cond::Leaf(_) => false,
            Cond::Related(_) => true,
        }
    }
}

/// A test on the value at a path (the first of `paths` that is present).
#[derive(Debug)]
pub struct Leaf {
    pub paths: Vec<Path>,
    pub op: Op,
    /// The value the platform uses when the field is absent.
    pub default: Option<Node>,
}

#[derive(Debug)]
pub enum Op {
    Equals(Node),
    NotEquals(Node),
    In(Vec<Node>),
    NotIn(Vec<Node>),
    Exists(bool),
    NotEmpty(bool),
    Contains(Node),
    Matches(LazyRegex),
    NotMatches(LazyRegex),
    Gt(f64),
    Lt(f64),
    /// A version (an ARM `apiVersion` date) at or after this one; compared as text, so
    /// `2023-06-02-preview` is after `2023-06-01`.
    Since(Box<str>),
    /// A version before this one.
    Before(Box<str>),
    CidrWiderThan(u8),
    IsGuid(bool),
    LooksLikeSecret(bool),
    /// The value names the resource under test (its name, or later its ARM id / TF address).
    RefersToSelf,
    /// The value (a RoleBinding's or ClusterRoleBinding's `subjects`, or one subject) names
    /// the ServiceAccount of the pod that asked, in its namespace.
    BindsSelf,
    /// The value is a container image whose registry (or repository) matches a pattern.
    RegistryIn(Patterns),
}

/// A regular expression checked when the policy loads but compiled on first use: most runs
/// (one file in an editor or a pre-commit hook) never reach most patterns, and compiling them
/// all would dominate start-up.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    /// Fails with the parser's message when `pattern` is not a valid Rust regex.
    pub fn new(pattern: &str) -> Result<Self, String> {
        // The syntax check only (no translation to a program): it is on every start-up path.
        regex_syntax::ast::parse::Parser::new()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        Ok(LazyRegex {
            pattern: pattern.to_string(),
            compiled: std::sync::OnceLock::new(),
        })
    }

    /// The number of capture groups, counted on the syntax tree (the whole match not included).
    pub fn capture_groups(&self) -> usize {
        fn count(ast: &regex_syntax::ast::Ast) -> usize {
            use regex_syntax::ast::Ast;
            match ast {
                Ast::Group(g) => usize::from(g.capture_index().is_some()) + count(&g.ast),
                Ast::Concat(c) => c.asts.iter().map(count).sum(),
                Ast::Alternation(a) => a.asts.iter().map(count).sum(),
                Ast::Repetition(r) => count(&r.ast),
                _ => 0,
            }
        }
        regex_syntax::ast::parse::Parser::new()
            .parse(&self.pattern)
            .map_or(0, |ast| count(&ast))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_match(text)
    }

    /// The first capture group's text in `text`, if the regex matches and the group took part.
    pub fn first_group<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.regex()
            .captures(text)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str())
    }

    fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // Validated in `new`; only the compiled-size limit can still refuse it, and
            // then the panic becomes an AKL004 finding rather than a silent pass.
            regex::RegexBuilder::new(&self.pattern)
                .size_limit(1 << 24)
                .build()
                .unwrap_or_else(|e| panic!("policy regex `{}`: {e}", self.pattern))
        })
    }
}

/// Glob patterns (`*.azurecr.io`), literal or taken from a named setting. A pattern without a
/// `/` names registry hosts; one with a `/` names repositories (`ghcr.io/acme/*`).
#[derive(Debug)]
pub struct Patterns {
    pub setting: Option<String>,
    pub patterns: Vec<String>,
    pub hosts: globset::GlobSet,
    pub repositories: globset::GlobSet,
}

impl Patterns {
    pub fn new(setting: Option<String>, patterns: Vec<String>) -> Result<Self, String> {
        let mut hosts = globset::GlobSetBuilder::new();
        let mut repositories = globset::GlobSetBuilder::new();
        for p in &patterns {
            let glob = globset::GlobBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid pattern `{p}`: {e}"))?;
            if p.contains('/') {
                repositories.add(glob);
            } else {
                hosts.add(glob);
            }
        }
        Ok(Patterns {
            setting,
            patterns,
            hosts: hosts.build().map_err(|e| e.to_string())?,
            repositories: repositories.build().map_err(|e| e.to_string())?,
        })
    }

    /// Whether an image reference comes from a trusted registry or repository.
    pub fn trusts_image(&self, image: &str) -> bool {
        let (host, repository) = super::ops::image_registry(image);
        self.hosts.is_match(&host) || self.repositories.is_match(&repository)
    }
}

impl Op {
    /// Tests that hold for an absent value (DESIGN: absence satisfies only negative tests).
    pub fn holds_when_absent(&self) -> bool {
        match self {
            Op::NotEquals(_) | Op::NotIn(_) | Op::NotMatches(_) => true,
            Op::Exists(b) | Op::NotEmpty(b) | Op::IsGuid(b) | Op::LooksLikeSecret(b) => !b,
            _ => false,
        }
    }
}

/// A cross-resource test.
#[derive(Debug)]
pub struct Related {
    pub format: Format,
    pub kinds: KindSet,
    pub same_namespace: bool,
    /// The related resource's name, read from this resource.
    pub name: Option<NameFrom>,
    pub where_: Option<Cond>,
    pub require: Option<Cond>,
    pub forbid: Option<Cond>,
    /// The verdict when no such resource is in the run (default: unknown, i.e. silent).
    pub missing: Option<bool>,
    /// The related resource's namespace, read from this resource (instead of `same`/`any`).
    pub namespace_from: Option<NameFrom>,
    /// The verdict when not one resource of the related kinds is in the run (the other side
    /// was not scanned at all); default: as `missing`.
    pub none_scanned: Option<Option<bool>>,
}

#[derive(Debug)]
pub struct NameFrom {
    pub paths: Vec<Path>,
    pub default: Option<String>,
    /// Takes the first capture group of this regex from the value
    /// (`system:serviceaccount:[^:]+:(.+)`); no match means no name.
    pub capture: Option<LazyRegex>,
}

#[cfg(test)]
mod tests {
    use super::LazyRegex;

    #[test]
    fn capture_groups_counts_numbered_and_named_groups_only() {
        let groups = |p: &str| LazyRegex::new(p).unwrap().capture_groups();
        assert_eq!(groups("abc"), 0);
        assert_eq!(groups("(?:a|b)+"), 0);
        assert_eq!(groups("^([^/]+)/(?P<rest>.*)$"), 2);
        assert_eq!(groups("x(a(b)|c)*"), 2);
    }

    #[test]
    fn first_group_takes_the_first_capture() {
        let re = LazyRegex::new(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)").unwrap();
        assert_eq!(
            re.first_group("/subscriptions/s/resourceGroups/rg/x"),
            Some("rg")
        );
        assert_eq!(re.first_group("nothing"), None);
        assert!(LazyRegex::new("(").is_err());
    }
}
