use std::fmt;
use std::sync::Arc;

use super::{Node, Span};

/// The input format a resource came from; policies select on it with `on: <format> ...`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Format {
    Kubernetes,
    Arm,
    Terraform,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Kubernetes => "kubernetes",
            Format::Arm => "arm",
            Format::Terraform => "terraform",
        }
    }
}

/// Who a resource is, independent of where it sits in the file: the basis of fingerprints and
/// of cross-resource matching.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    pub kind: Box<str>,
    pub namespace: Option<Box<str>>,
    pub name: Option<Box<str>>,
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}"),
            (None, Some(n)) => write!(f, " {n}"),
            _ => Ok(()),
        }
    }
}

/// One deployable object: a Kubernetes document or `List` item (later: an ARM resource or a
/// Terraform resource instance).
#[derive(Debug)]
pub struct Resource {
    /// Index of the file in the run's file table.
    pub file: usize,
    pub format: Format,
    /// API group (`apps`, `argoproj.io`; empty for the core group).
    pub group: Box<str>,
    pub id: ResourceId,
    pub root: Node,
    /// Keys leading from `root` to the pod template (`metadata` + `spec`) of a workload kind.
    pub pod_path: Option<&'static [&'static str]>,
    /// The `# Source:` template of a Helm-rendered document.
    pub helm_source: Option<Box<str>>,
    /// For ARM resources: the declaration, parameters file and Bicep source.
    pub arm: Option<Box<ArmOrigin>>,
    /// For Terraform plan resources: references, sensitive values, `.tf` source.
    pub tf: Option<Box<TfOrigin>>,
}

impl Resource {
    pub fn kind(&self) -> &str {
        &self.id.kind
    }

    pub fn name(&self) -> Option<&str> {
        self.id.name.as_deref()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.id.namespace.as_deref()
    }

    pub fn pod(&self) -> Option<&Node> {
        let mut node = &self.root;
        for key in self.pod_path? {
            node = node.get(key)?;
        }
        Some(node)
    }
}

/// Where an evaluated ARM resource came from: what its findings point at besides the node.
#[derive(Debug)]
pub struct ArmOrigin {
    /// The resource's `type` in the template: a related location when a finding's node sits
    /// elsewhere (a parameter default, a parameters file).
    pub declared: Span,
    /// Files other than the template that nodes point into: `Span::src` n is `sources[n - 1]`.
    pub sources: Vec<Arc<str>>,
    /// The parameters file the template was evaluated with.
    pub parameters: Option<Arc<str>>,
    /// Lower-cased `type|name` keys by which evaluated resource IDs refer to this resource.
    pub refs: Vec<Box<str>>,
    /// The `.bicep` file the template was compiled from, when it sits beside it.
    pub bicep: Option<Arc<BicepSource>>,
    /// The symbolic name (languageVersion 2.0 templates).
    pub symbol: Option<Box<str>>,
    /// For resources evaluated from Bicep source: the module calls that led to them and the
    /// compiled template beside the source.
    pub bicep_source: Option<Box<BicepOrigin>>,
}

/// Where a resource evaluated from `.bicep` source (not compiled JSON) came from besides its
/// declaration.
#[derive(Debug, Default)]
pub struct BicepOrigin {
    /// The `module` declarations that deployed it, outermost first: (span, what).
    pub chain: Vec<(Span, String)>,
    /// The compiled template beside the source, when the run has it: its path and the
    /// evaluated resource compiled from the same declaration.
    pub compiled: Option<(Arc<str>, Node)>,
}

/// A `.bicep` file beside a compiled template.
#[derive(Debug)]
pub struct BicepSource {
    pub path: Arc<str>,
    pub text: String,
}

/// Where a Terraform plan resource came from, and what must stay hidden.
#[derive(Debug, Default)]
pub struct TfOrigin {
    /// Module path and `type.name`, without instance keys (`module.aks.azurerm_kubernetes_cluster.this`):
    /// what configuration references name.
    pub config_address: Box<str>,
    /// Configuration references of attributes, by the span of the value node they explain
    /// (also of values unknown at plan time), as config addresses.
    pub references: Vec<(Span, Vec<Box<str>>)>,
    /// Spans of sensitive values: never printed.
    pub sensitive: Vec<Span>,
    /// The `resource "<type>" "<name>"` block in the `.tf` sources, when found.
    pub source: Option<TfSource>,
    /// For resources read from `.tf` sources (no plan): which files spans point into.
    pub module: Option<Box<TfModuleSource>>,
}

/// Where a resource read from `.tf` files sits: every node's `Span::src` n is `files[n - 1]`.
#[derive(Debug, Clone, Default)]
pub struct TfModuleSource {
    pub files: Arc<[Arc<str>]>,
    /// The resource itself (no keys) and each block element: its keys, the span a policy
    /// reports for the whole object (`Node::head_span`), and its header (`resource "t" "n"`,
    /// `network_profile`) where a finding about it belongs.
    pub blocks: Vec<(Vec<Box<str>>, Span, Span)>,
    /// The `module` calls leading to it, outermost first: header span and address.
    pub calls: Vec<(Span, String)>,
}

#[derive(Debug, Clone)]
pub struct TfSource {
    pub path: Arc<str>,
    pub text: Arc<str>,
    /// 1-based line of the `resource` block.
    pub line: u32,
}

impl Resource {
    /// True when the node at `span` holds a sensitive value (Terraform `sensitive`).
    pub fn is_sensitive(&self, span: Span) -> bool {
        self.tf.as_ref().is_some_and(|t| {
            t.sensitive
                .iter()
                .any(|s| s.start <= span.start && span.end <= s.end && s.src == span.src)
        })
    }
}
