use std::fmt;

use super::Node;

/// The input format a resource came from; policies select on it with `on: <format> ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
