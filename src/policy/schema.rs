//! The compiled form of a policy file (DESIGN §2).

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::path::Path;
use super::template::Template;
use crate::model::{Format, Node};

pub use crate::model::{Level, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// A policy's Markdown documentation: read from the policy file, or, for a built-in policy, a
/// `&'static str` that build.rs put in the binary (so a check run never copies or parses the
/// docs, most of the built-in policy text; only `explain`, `rules --format markdown`, SARIF and
/// hovers read them). Not serialized: build.rs embeds the docs beside the policies.
#[derive(Default)]
pub struct Docs(DocsText);

#[derive(Default)]
enum DocsText {
    #[default]
    None,
    Owned(String),
    Static(&'static str),
}

impl Docs {
    pub fn new(text: String) -> Docs {
        Docs(DocsText::Owned(text))
    }

    pub fn from_static(text: &'static str) -> Docs {
        Docs(DocsText::Static(text))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            DocsText::None => "",
            DocsText::Owned(s) => s,
            DocsText::Static(s) => s,
        }
    }
}

/// The text only, wherever it is kept (so a built-in policy and the same file read at run
/// time print alike).
impl fmt::Debug for Docs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
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
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub area: Area,
    pub severity: Severity,
    pub title: String,
    pub message: Template,
    pub help: String,
    #[serde(skip)]
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Check {
    pub on: Selector,
    /// Paths whose elements are each evaluated on their own (`containers` expands to three).
    pub for_each: Vec<Path>,
    /// Only mapping elements count (`for_each: containers`: a malformed `containers:` mapping
    /// must not turn its values into containers).
    pub for_each_objects_only: bool,
    pub when: Lazy<Option<Cond>>,
    pub require: Lazy<Option<Cond>>,
    pub forbid: Lazy<Option<Cond>>,
    pub message: Option<Template>,
    pub report: Report,
    /// True when the check contains a `related` test and so runs after all files are loaded.
    pub needs_index: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Report {
    Each,
    OncePerNamespace,
    OncePerResource,
}

/// A part of a policy decoded on first use. The built-in policies are deserialized at every
/// start, and most of their bulk is conditions of checks a run never evaluates (a Kubernetes
/// file meets no ARM or Terraform check): those stay postcard bytes, borrowed from the binary's
/// embedded blob, until a check needs them. Policies read from YAML hold their values at once.
pub struct Lazy<T> {
    value: std::sync::OnceLock<T>,
    bytes: &'static [u8],
}

impl<T> Lazy<T> {
    pub fn new(value: T) -> Lazy<T> {
        Lazy {
            value: std::sync::OnceLock::from(value),
            bytes: &[],
        }
    }
}

impl<T: serde::de::DeserializeOwned> Lazy<T> {
    fn force(&self) -> &T {
        self.value.get_or_init(|| {
            postcard::from_bytes(self.bytes).expect("build.rs serialized this with the same types")
        })
    }
}

impl<T: serde::de::DeserializeOwned> std::ops::Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.force()
    }
}

impl<T: serde::de::DeserializeOwned> std::ops::DerefMut for Lazy<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.force();
        self.value.get_mut().expect("forced above")
    }
}

/// The value, decoded if need be (so a built-in policy and the same file read from YAML print
/// alike).
impl<T: serde::de::DeserializeOwned + fmt::Debug> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.force(), f)
    }
}

/// The value's own postcard encoding, as a byte string.
impl<T: serde::de::DeserializeOwned + Serialize> Serialize for Lazy<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = postcard::to_allocvec(self.force()).map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&bytes)
    }
}

/// Borrows the byte string from the input, which must live for the whole program (the
/// embedded blob); it is decoded on first use.
impl<'de: 'static, T> Deserialize<'de> for Lazy<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = &'de [u8];
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("borrowed bytes")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<&'de [u8], E> {
                Ok(v)
            }
        }
        Ok(Lazy {
            value: std::sync::OnceLock::new(),
            bytes: d.deserialize_bytes(Bytes)?,
        })
    }
}

/// `on: <format> <kinds>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Selector {
    pub format: Format,
    pub kinds: KindSet,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum KindSet {
    Any,
    /// Every pod-bearing kind.
    Workload,
    Kinds(Vec<KindName>),
}

/// A kind, optionally qualified by API group (`aadpodidentity.k8s.io/AzureIdentity`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KindName {
    pub group: Option<String>,
    pub kind: String,
}

#[derive(Debug, Serialize, Deserialize)]
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
#[derive(Debug, Serialize, Deserialize)]
pub struct Leaf {
    pub paths: Vec<Path>,
    pub op: Op,
    /// The value the platform uses when the field is absent.
    pub default: Option<Node>,
}

#[derive(Debug, Serialize, Deserialize)]
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

/// Serialized as its pattern alone (the embedded built-in policies); deserializing trusts it:
/// the pattern was syntax-checked by [`LazyRegex::new`] when build.rs read the policy.
impl Serialize for LazyRegex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pattern)
    }
}

impl<'de> Deserialize<'de> for LazyRegex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LazyRegex {
            pattern: String::deserialize(d)?,
            compiled: std::sync::OnceLock::new(),
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

/// Serialized as the setting name and the patterns; the glob sets are built again when read.
impl Serialize for Patterns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.setting, &self.patterns).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Patterns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (setting, patterns) = <(Option<String>, Vec<String>)>::deserialize(d)?;
        Patterns::new(setting, patterns).map_err(serde::de::Error::custom)
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
#[derive(Debug, Serialize, Deserialize)]
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

#[derive(Debug, Serialize, Deserialize)]
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
