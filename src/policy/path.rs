//! Paths into the value tree: `spec.containers[*].image`, `metadata.labels["app/name"]`,
//! `$pod.spec.hostNetwork`.

use std::fmt::Write;

use crate::model::{Entry, Node, Span, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Root {
    /// The for_each element, or the resource when there is none.
    Current,
    /// The pod template (metadata + spec) of a workload.
    Pod,
    /// The whole resource document.
    Resource,
    /// The mapping key of the `for_each` element (`for_each: data[*]`), as a string.
    Key,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Seg {
    Key(Box<str>),
    Index(usize),
    Wildcard,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Path {
    pub root: Root,
    pub segs: Vec<Seg>,
    pub text: Box<str>,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let (root, mut rest) = if let Some(r) = text.strip_prefix("$pod") {
            (Root::Pod, r)
        } else if let Some(r) = text.strip_prefix("$key") {
            (Root::Key, r)
        } else if let Some(r) = text.strip_prefix("$item") {
            (Root::Current, r)
        } else if let Some(r) = text.strip_prefix("$resource") {
            (Root::Resource, r)
        } else if text.starts_with('$') {
            return Err(format!(
                "unknown path root in `{text}` (expected `$pod`, `$resource`, `$item` or `$key`)"
            ));
        } else {
            (Root::Current, text)
        };
        if root != Root::Current {
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
        let mut segs = Vec::new();
        let mut chars = rest;
        while !chars.is_empty() {
            if let Some(after) = chars.strip_prefix('[') {
                let close = if after.starts_with(['"', '\'']) {
                    let q = &after[..1];
                    let end = after[1..]
                        .find(q)
                        .ok_or_else(|| format!("unterminated quote in `{text}`"))?;
                    let key = &after[1..1 + end];
                    let tail = &after[1 + end + 1..];
                    let tail = tail
                        .strip_prefix(']')
                        .ok_or_else(|| format!("expected `]` after quoted key in `{text}`"))?;
                    segs.push(Seg::Key(key.into()));
                    chars = tail;
                    None
                } else {
                    Some(
                        after
                            .find(']')
                            .ok_or_else(|| format!("unclosed `[` in `{text}`"))?,
                    )
                };
                if let Some(end) = close {
                    let inner = after[..end].trim();
                    segs.push(if inner == "*" {
                        Seg::Wildcard
                    } else {
                        Seg::Index(inner.parse().map_err(|_| {
                            format!(
                                "`[{inner}]` in `{text}` is neither `*`, an index nor a quoted key"
                            )
                        })?)
                    });
                    chars = &after[end + 1..];
                }
                chars = chars.strip_prefix('.').unwrap_or(chars);
            } else {
                let end = chars.find(['.', '[']).unwrap_or(chars.len());
                let key = &chars[..end];
                if key.is_empty() {
                    return Err(format!("empty segment in path `{text}`"));
                }
                segs.push(if key == "*" {
                    Seg::Wildcard
                } else {
                    Seg::Key(key.into())
                });
                chars = &chars[end..];
                chars = chars.strip_prefix('.').unwrap_or(chars);
            }
        }
        if segs.is_empty() && root == Root::Current && !text.starts_with("$item") {
            return Err("empty path".into());
        }
        if root == Root::Key && !segs.is_empty() {
            return Err(format!(
                "`$key` is a string and has no fields (in `{text}`)"
            ));
        }
        Ok(Path {
            root,
            segs,
            text: text.into(),
        })
    }

    pub fn has_wildcard(&self) -> bool {
        self.segs.contains(&Seg::Wildcard)
    }
}

/// A node reached by a path, with the span of the key that led to it (if any).
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    pub node: &'a Node,
    pub key_span: Option<Span>,
    /// The mapping key that led to the node (`$key` inside a `for_each` over a mapping).
    pub key: Option<&'a str>,
}

impl<'a> Hit<'a> {
    pub fn root(node: &'a Node) -> Self {
        Hit {
            node,
            key_span: None,
            key: None,
        }
    }

    pub fn entry(e: &'a Entry) -> Self {
        Hit {
            node: &e.value,
            key_span: Some(e.key_span),
            key: Some(&e.key),
        }
    }

    /// Where to point: scalars at themselves; blocks at their key (one line, not the block).
    pub fn report_span(&self) -> Span {
        match (&self.node.value, self.key_span) {
            (Value::Map(_) | Value::Seq(_) | Value::Null, Some(k)) => k,
            (Value::Map(_) | Value::Seq(_), None) => self.node.head_span(),
            _ => self.node.span,
        }
    }
}

#[derive(Debug)]
pub enum Resolved<'a> {
    /// Present values (several for wildcards); may include unknown nodes.
    Found(Vec<Hit<'a>>),
    /// Nothing there; the deepest node that does exist on the way.
    Absent(Hit<'a>),
    /// The way passes through a value unknown before deployment.
    Unknown(Hit<'a>),
}

/// The nodes paths start from.
#[derive(Clone, Copy, Debug)]
pub struct Roots<'a> {
    pub current: Hit<'a>,
    /// The current element's key as a string node (`$key`), when it has one.
    pub key: Option<&'a Node>,
    pub pod: Option<&'a Node>,
    pub resource: &'a Node,
    pub ignore_case: bool,
}

impl<'a> Roots<'a> {
    pub fn resolve(&self, path: &Path) -> Resolved<'a> {
        let start = match path.root {
            Root::Current => self.current,
            Root::Resource => Hit::root(self.resource),
            Root::Key => match self.key {
                Some(k) => return Resolved::Found(vec![Hit::root(k)]),
                None => return Resolved::Absent(self.current),
            },
            Root::Pod => match self.pod {
                Some(p) => Hit::root(p),
                None => return Resolved::Absent(Hit::root(self.resource)),
            },
        };
        let mut frontier = vec![start];
        let mut deepest = start;
        let mut unknown: Option<Hit<'a>> = None;
        for seg in &path.segs {
            let mut next = Vec::with_capacity(frontier.len());
            for h in &frontier {
                match &h.node.value {
                    Value::Unknown => {
                        unknown.get_or_insert(*h);
                        continue;
                    }
                    Value::Map(entries) => match seg {
                        Seg::Key(k) => {
                            let found = if self.ignore_case {
                                h.node.entry_ignore_case(k)
                            } else {
                                h.node.entry(k)
                            };
                            if let Some(e) = found {
                                let hit = Hit::entry(e);
                                if e.value.is_null() {
                                    deepest = hit;
                                } else {
                                    next.push(hit);
                                }
                            }
                        }
                        Seg::Wildcard => next.extend(
                            entries
                                .iter()
                                .filter(|e| !e.value.is_null())
                                .map(Hit::entry),
                        ),
                        Seg::Index(_) => {}
                    },
                    Value::Seq(items) => match seg {
                        Seg::Index(i) => {
                            if let Some(n) = items.get(*i).filter(|n| !n.is_null()) {
                                next.push(Hit::root(n));
                            }
                        }
                        Seg::Wildcard => {
                            next.extend(items.iter().filter(|n| !n.is_null()).map(Hit::root))
                        }
                        Seg::Key(_) => {}
                    },
                    _ => {}
                }
            }
            if next.is_empty() {
                return match unknown {
                    Some(u) => Resolved::Unknown(u),
                    None => Resolved::Absent(deepest),
                };
            }
            deepest = next[0];
            frontier = next;
        }
        if let Some(u) = unknown {
            frontier.push(u);
        }
        Resolved::Found(frontier)
    }
}

/// Segments from `root` to the node at address `target`, found by a depth-first search.
/// Used only when a finding is made; it borrows keys on the way and copies only the result.
/// Recursion is bounded by the loaders' depth limit.
pub fn locate(root: &Node, target: &Node) -> Option<Vec<PathStep>> {
    enum Step<'n> {
        Key(&'n str),
        Item(usize, &'n Node),
    }
    fn walk<'n>(node: &'n Node, target: &Node, steps: &mut Vec<Step<'n>>) -> bool {
        if std::ptr::eq(node, target) {
            return true;
        }
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    steps.push(Step::Key(&e.key));
                    if walk(&e.value, target, steps) {
                        return true;
                    }
                    steps.pop();
                }
            }
            Value::Seq(items) => {
                for (index, n) in items.iter().enumerate() {
                    steps.push(Step::Item(index, n));
                    if walk(n, target, steps) {
                        return true;
                    }
                    steps.pop();
                }
            }
            _ => {}
        }
        false
    }
    let mut steps = Vec::new();
    walk(root, target, &mut steps).then(|| {
        steps
            .into_iter()
            .map(|s| match s {
                Step::Key(k) => PathStep::Key(k.to_string()),
                Step::Item(index, n) => PathStep::Item {
                    index,
                    name: n.get_str("name").map(str::to_string),
                },
            })
            .collect()
    })
}

/// Finds where findings sit in one resource, remembering the path of each `for_each` element
/// so the many findings about one container search only that container.
#[derive(Default)]
pub struct Locator {
    elements: std::collections::HashMap<usize, Vec<PathStep>>,
}

impl Locator {
    pub fn path_of(&mut self, root: &Node, element: &Node, target: &Node) -> Vec<PathStep> {
        if !std::ptr::eq(element, root)
            && let Some(inner) = locate(element, target)
        {
            let mut steps = self.element_path(root, element).to_vec();
            steps.extend(inner);
            return steps;
        }
        match locate(root, target) {
            Some(steps) => steps,
            // A `$key` witness is not in the tree: use its element.
            None => self.element_path(root, element).to_vec(),
        }
    }

    fn element_path(&mut self, root: &Node, element: &Node) -> &[PathStep] {
        self.elements
            .entry(element as *const Node as usize)
            .or_insert_with(|| locate(root, element).unwrap_or_default())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Item { index: usize, name: Option<String> },
}

fn push_key(out: &mut String, key: &str) {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    } else {
        let _ = write!(out, "[{key:?}]");
    }
}

/// `spec.containers[0].securityContext`: what a person reads.
pub fn display_steps(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            PathStep::Key(k) => push_key(&mut out, k),
            PathStep::Item { index, .. } => {
                let _ = write!(out, "[{index}]");
            }
        }
    }
    out
}

/// `spec.containers[name=web].securityContext`: survives reordering of named items.
pub fn stable_steps(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            PathStep::Key(k) => push_key(&mut out, k),
            PathStep::Item { name: Some(n), .. } => {
                let _ = write!(out, "[name={n}]");
            }
            PathStep::Item { index, .. } => {
                let _ = write!(out, "[{index}]");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_roots_keys_indexes_and_quoted_keys() {
        let p = Path::parse("$pod.metadata.labels[\"azure.workload.identity/use\"]").unwrap();
        assert_eq!(p.root, Root::Pod);
        assert_eq!(
            p.segs,
            vec![
                Seg::Key("metadata".into()),
                Seg::Key("labels".into()),
                Seg::Key("azure.workload.identity/use".into())
            ]
        );
        let p = Path::parse("rules[*].verbs[0]").unwrap();
        assert_eq!(
            p.segs,
            vec![
                Seg::Key("rules".into()),
                Seg::Wildcard,
                Seg::Key("verbs".into()),
                Seg::Index(0)
            ]
        );
        assert!(Path::parse("$foo.x").is_err());
        assert!(Path::parse("a[b]").is_err());
        assert!(Path::parse("a..b").is_err());
    }
}
