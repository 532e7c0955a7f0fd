//! Evaluating checks on one resource with three-valued logic.

use super::compile::{CheckRef, PolicySet};
use super::ops;
use super::path::{self, Hit, Resolved, Roots};
use super::relate::{self, Index};
use super::schema::{Check, Cond, Leaf, Op};
use super::template::Var;
use crate::model::PolicyStats;
use crate::model::{Format, Node, Resource, Span, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// The node that decided a verdict.
#[derive(Clone, Copy, Debug)]
pub struct Witness<'a> {
    pub span: Span,
    /// A node of the resource tree at or above the decisive place (for the finding's path).
    pub node: &'a Node,
    /// The value that was tested; `None` when it was absent.
    pub value: Option<&'a Node>,
    /// The other resource, for cross-resource verdicts.
    pub related: Option<(&'a Resource, Span)>,
}

impl<'a> Witness<'a> {
    fn at(hit: Hit<'a>, value: Option<&'a Node>) -> Self {
        Witness {
            span: hit.report_span(),
            node: hit.node,
            value,
            related: None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    pub verdict: Tri,
    pub witness: Witness<'a>,
}

impl Outcome<'_> {
    /// Whether an unknown verdict comes from a value known only at deployment (the witness is
    /// that value, or a list holding one), rather than from a relation whose other side was
    /// not scanned.
    pub fn from_deployment(&self) -> bool {
        self.verdict == Tri::Unknown
            && self.witness.value.is_some_and(|n| {
                n.is_unknown()
                    || n.as_seq()
                        .is_some_and(|items| items.iter().any(Node::is_unknown))
            })
    }
}

/// What conditions are evaluated against.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub res: &'a Resource,
    pub roots: Roots<'a>,
    pub index: Option<&'a Index<'a>>,
    /// Inside a `related` test: the resource that asked (for `refers_to: self`).
    pub subject: Option<&'a Resource>,
}

impl<'a> Scope<'a> {
    pub fn of(res: &'a Resource, index: Option<&'a Index<'a>>) -> Self {
        Scope {
            res,
            roots: Roots {
                current: Hit::root(&res.root),
                key: None,
                pod: res.pod(),
                resource: &res.root,
                ignore_case: res.format == Format::Arm,
            },
            index,
            subject: None,
        }
    }

    pub fn with_current(self, current: Hit<'a>, key: Option<&'a Node>) -> Self {
        Scope {
            roots: Roots {
                current,
                key,
                ..self.roots
            },
            ..self
        }
    }
}

pub fn eval<'a>(cond: &'a Cond, scope: &Scope<'a>) -> Outcome<'a> {
    match cond {
        Cond::All(children) => {
            let mut first_true = None;
            let mut unknown = None;
            for c in children {
                let o = eval(c, scope);
                match o.verdict {
                    Tri::False => return o,
                    Tri::Unknown => {
                        unknown.get_or_insert(o);
                    }
                    Tri::True => {
                        first_true.get_or_insert(o);
                    }
                }
            }
            unknown
                .or(first_true)
                .expect("`all` has at least one condition")
        }
        Cond::Any(children) => {
            let mut first_false = None;
            let mut unknown = None;
            for c in children {
                let o = eval(c, scope);
                match o.verdict {
                    Tri::True => return o,
                    Tri::Unknown => {
                        unknown.get_or_insert(o);
                    }
                    Tri::False => {
                        first_false.get_or_insert(o);
                    }
                }
            }
            unknown
                .or(first_false)
                .expect("`any` has at least one condition")
        }
        Cond::Not(c) => {
            let o = eval(c, scope);
            Outcome {
                verdict: o.verdict.negate(),
                ..o
            }
        }
        Cond::Leaf(leaf) => eval_leaf(leaf, scope),
        Cond::Related(rel) => relate::eval_related(rel, scope),
    }
}

fn eval_leaf<'a>(leaf: &'a Leaf, scope: &Scope<'a>) -> Outcome<'a> {
    let mut absent_at: Option<Hit<'a>> = None;
    // Of several alternatives, the first with a known value decides: one spelling (or one of
    // `role_definition_name` / `role_definition_id`) may be computed at apply while the other
    // is written. Unknown only when no alternative is known.
    let mut unknown_at: Option<Hit<'a>> = None;
    for p in &leaf.paths {
        match scope.roots.resolve(p) {
            Resolved::Found(hits)
                if leaf.paths.len() > 1 && hits.iter().all(|h| h.node.is_unknown()) =>
            {
                unknown_at.get_or_insert(hits[0]);
            }
            Resolved::Found(hits) => return test_hits(&leaf.op, &hits, scope),
            Resolved::Unknown(h) if leaf.paths.len() > 1 => {
                unknown_at.get_or_insert(h);
            }
            Resolved::Unknown(h) => {
                return Outcome {
                    verdict: Tri::Unknown,
                    witness: Witness::at(h, Some(h.node)),
                };
            }
            Resolved::Absent(h) => {
                // A key written with a null value says more than the parent of a key that is
                // not there: point at it, whichever alternative it is.
                let better = h.node.is_null() && absent_at.is_none_or(|a| !a.node.is_null());
                if absent_at.is_none() || better {
                    absent_at = Some(h);
                }
            }
        }
    }
    if let Some(h) = unknown_at {
        return Outcome {
            verdict: Tri::Unknown,
            witness: Witness::at(h, Some(h.node)),
        };
    }
    let at = absent_at.expect("a test has at least one path");
    match &leaf.default {
        Some(d) => {
            let (verdict, _) = test_node(&leaf.op, d, scope);
            Outcome {
                verdict,
                witness: Witness {
                    span: at.report_span(),
                    node: at.node,
                    value: Some(d),
                    related: None,
                },
            }
        }
        None => Outcome {
            verdict: Tri::from_bool(leaf.op.holds_when_absent()),
            witness: Witness::at(at, None),
        },
    }
}

/// Wildcard paths are existential: the test holds if it holds for some value.
fn test_hits<'a>(op: &'a Op, hits: &[Hit<'a>], scope: &Scope<'a>) -> Outcome<'a> {
    let mut unknown = None;
    for h in hits {
        let (verdict, matched) = test_node(op, h.node, scope);
        let witness = match matched {
            Some(m) => Witness::at(Hit::root(m), Some(m)),
            None => Witness::at(*h, Some(h.node)),
        };
        match verdict {
            Tri::True => return Outcome { verdict, witness },
            Tri::Unknown => {
                unknown.get_or_insert(Outcome { verdict, witness });
            }
            Tri::False => {}
        }
    }
    unknown.unwrap_or_else(|| Outcome {
        verdict: Tri::False,
        witness: Witness::at(hits[0], Some(hits[0].node)),
    })
}

/// Applies one operator to one present value; for `contains` also returns the matching element.
fn test_node<'a>(op: &'a Op, node: &'a Node, scope: &Scope<'a>) -> (Tri, Option<&'a Node>) {
    let v = &node.value;
    if let Op::RefersToSelf = op {
        return (refers_to_self(node, scope), None);
    }
    if let Op::BindsSelf = op {
        return (binds_self(node, scope), None);
    }
    if let Value::Unknown = v {
        return match op {
            Op::Exists(b) => (Tri::from_bool(*b), None),
            _ => (Tri::Unknown, None),
        };
    }
    let text = || match v {
        Value::Str(s) => Some(std::borrow::Cow::Borrowed(&**s)),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => Some(v.to_string().into()),
        _ => None,
    };
    let t = match op {
        Op::Equals(x) => v.same_as(&x.value),
        Op::NotEquals(x) => !v.same_as(&x.value),
        Op::In(xs) => xs.iter().any(|x| v.same_as(&x.value)),
        Op::NotIn(xs) => !xs.iter().any(|x| v.same_as(&x.value)),
        Op::Exists(b) => *b,
        Op::NotEmpty(b) => {
            let non_empty = match v {
                Value::Str(s) => !s.is_empty(),
                Value::Seq(items) => !items.is_empty(),
                Value::Map(entries) => !entries.is_empty(),
                Value::Null => false,
                _ => true,
            };
            non_empty == *b
        }
        Op::Contains(x) => match v {
            Value::Seq(items) => {
                let mut unknown = false;
                for item in items {
                    if item.is_unknown() {
                        unknown = true;
                    } else if item.value.same_as(&x.value) {
                        return (Tri::True, Some(item));
                    }
                }
                if unknown {
                    return (Tri::Unknown, None);
                }
                false
            }
            Value::Str(s) => x.as_str().is_some_and(|needle| s.contains(needle)),
            Value::Map(_) => {
                return match x.as_str().and_then(|k| node.entry(k)) {
                    Some(e) => (Tri::True, Some(&e.value)),
                    None => (Tri::False, None),
                };
            }
            _ => false,
        },
        Op::Matches(re) => text().is_some_and(|t| re.is_match(&t)),
        Op::NotMatches(re) => !text().is_some_and(|t| re.is_match(&t)),
        Op::Gt(n) => v.as_f64().is_some_and(|x| x > *n),
        Op::Lt(n) => v.as_f64().is_some_and(|x| x < *n),
        Op::Since(min) => node.as_str().is_some_and(|s| s >= &**min),
        Op::Before(max) => node.as_str().is_some_and(|s| s < &**max),
        Op::CidrWiderThan(bits) => node
            .as_str()
            .and_then(|s| ops::cidr_wider_than(s, *bits))
            .unwrap_or(false),
        Op::IsGuid(b) => node.as_str().is_some_and(ops::is_guid) == *b,
        Op::LooksLikeSecret(b) => node.as_str().is_some_and(ops::looks_like_secret) == *b,
        Op::RegistryIn(p) => node.as_str().is_some_and(|image| p.trusts_image(image)),
        Op::RefersToSelf | Op::BindsSelf => unreachable!("handled above"),
    };
    (Tri::from_bool(t), None)
}

/// How `{related}` names another resource: a Terraform address says it all; a Kubernetes
/// object with its namespace; an ARM resource with its type.
fn related_name(r: &Resource) -> String {
    let name = r.name().unwrap_or("(unnamed)");
    match (r.format, r.namespace()) {
        (Format::Terraform, _) => format!("`{name}`"),
        (Format::Kubernetes, Some(ns)) => format!("{} `{ns}/{name}`", r.kind()),
        _ => format!("{} `{name}`", r.kind()),
    }
}

/// Whether binding subjects `node` (in the RoleBinding or ClusterRoleBinding `scope.res`) name
/// the ServiceAccount of the pod that asked (`scope.subject`): `kind: ServiceAccount`, its
/// name (`serviceAccountName`, else `default`), and its namespace (a subject without one
/// means the binding's own namespace).
fn binds_self(node: &Node, scope: &Scope<'_>) -> Tri {
    let Some(pod_owner) = scope.subject else {
        return Tri::False;
    };
    let Some(pod) = pod_owner.pod() else {
        return Tri::False;
    };
    let spec = pod.get("spec");
    let account = ["serviceAccountName", "serviceAccount"]
        .iter()
        .find_map(|k| spec.and_then(|s| s.get(k)))
        .map(|n| n.value.clone());
    let account: Box<str> = match account {
        Some(Value::Unknown) => return Tri::Unknown,
        Some(Value::Str(s)) if !s.is_empty() => s,
        _ => "default".into(),
    };
    let pod_namespace = pod_owner.namespace();
    let subjects: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(_) => vec![node],
        Value::Unknown => return Tri::Unknown,
        _ => return Tri::False,
    };
    let mut unknown = false;
    for s in subjects {
        let (kind, name, ns) = (s.get("kind"), s.get("name"), s.get("namespace"));
        if [kind, name, ns].iter().flatten().any(|n| n.is_unknown()) {
            unknown = true;
            continue;
        }
        let namespace = ns.and_then(Node::as_str).or(scope.res.namespace());
        if kind.and_then(Node::as_str) == Some("ServiceAccount")
            && name.and_then(Node::as_str) == Some(&*account)
            && namespace == pod_namespace
        {
            return Tri::True;
        }
    }
    if unknown { Tri::Unknown } else { Tri::False }
}

/// Whether `node` (in `scope.res`) names the resource that asked (`scope.subject`).
fn refers_to_self(node: &Node, scope: &Scope<'_>) -> Tri {
    let Some(subject) = scope.subject else {
        return Tri::False;
    };
    // Terraform: a known ID equal to the subject's known `id` settles it; else the
    // configuration says what the attribute references, known or not.
    if let (Some(tf), Some(_)) = (&scope.res.tf, &subject.tf) {
        if let (Some(v), Some(id)) = (node.as_str(), subject.root.get_str("id")) {
            return Tri::from_bool(v.eq_ignore_ascii_case(id));
        }
        if let Some((_, refs)) = tf.references.iter().find(|(s, _)| *s == node.span) {
            return Tri::from_bool(match (scope.res.name(), subject.name()) {
                (Some(from), Some(to)) => {
                    crate::model::identity::references_resource(refs, from, to)
                }
                _ => false,
            });
        }
    }
    let same_file = subject.file == scope.res.file;
    match (&node.value, &subject.arm) {
        // Unknown until deployment: may name the subject if it comes from the same template
        // (or plan); another template's parameters are unrelated to it.
        (Value::Unknown, _) if same_file => Tri::Unknown,
        (Value::Unknown, _) => Tri::False,
        // An evaluated resource ID names the subject by type and name.
        (Value::Str(s), Some(arm)) => {
            let Some(key) = crate::model::identity::id_key(s) else {
                return Tri::False;
            };
            // A `{parameters('x')}` placeholder only means the same thing within one file.
            let placeholder = |k: &str| k.contains('{');
            for r in &arm.refs {
                if **r == *key && (same_file || !placeholder(&key)) {
                    return Tri::True;
                }
            }
            // Within one template, a name known only at deployment may still be this one;
            // across templates their parameters are unrelated.
            if same_file && (placeholder(&key) || arm.refs.iter().any(|r| placeholder(r))) {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        // Terraform: a known ID equal to the subject's own `id`.
        (Value::Str(s), None) if subject.tf.is_some() => Tri::from_bool(
            subject
                .root
                .get_str("id")
                .is_some_and(|id| id.eq_ignore_ascii_case(s)),
        ),
        (Value::Str(s), None) => Tri::from_bool(subject.name() == Some(&**s)),
        _ => Tri::False,
    }
}

/// False when the check's `when` already rules this resource out; lets the loader drop
/// resources that no relational check will look at (memory stays bounded by the largest file
/// rather than growing with the run). Checks with `for_each` are kept conservatively.
pub fn may_apply<'a>(check: &'a Check, res: &'a Resource) -> bool {
    match (&*check.when, check.for_each.is_empty()) {
        (Some(w), true) => eval(w, &Scope::of(res, None)).verdict != Tri::False,
        _ => true,
    }
}

/// A finding before it is tied to a file path.
#[derive(Debug)]
pub struct RawFinding {
    pub check: CheckRef,
    pub message: String,
    pub span: Span,
    pub node_path: String,
    pub stable_path: String,
    /// The keys of the path to the offending node, in order and whole (a label name such as
    /// `pod-security.kubernetes.io/enforce` is one key): what locating the finding in a chart
    /// template, a `.bicep` or a `.tf` source matches on. Never parsed back from a string.
    pub keys: Vec<String>,
    pub related_file: Option<(usize, Span, String)>,
}

/// Runs one check on one resource, appending findings and counting verdicts.
pub fn run_check<'a>(
    set: &'a PolicySet,
    cref: CheckRef,
    res: &'a Resource,
    index: Option<&'a Index<'a>>,
    locator: &mut path::Locator,
    out: &mut Vec<RawFinding>,
    stats: &mut PolicyStats,
) {
    let check = set.check(cref);
    let base = Scope::of(res, index);
    let elements: Vec<Hit<'a>> = if check.for_each.is_empty() {
        vec![base.roots.current]
    } else {
        let mut v = Vec::new();
        for p in &check.for_each {
            match base.roots.resolve(p) {
                Resolved::Found(hits) => {
                    for h in hits {
                        if h.node.is_unknown() {
                            // An element (or the collection) unknown until deployment.
                            stats.unknown += 1;
                            stats.undecided += 1;
                        } else if !check.for_each_objects_only || h.node.as_map().is_some() {
                            v.push(h);
                        }
                    }
                }
                Resolved::Unknown(_) => {
                    stats.unknown += 1;
                    stats.undecided += 1;
                }
                Resolved::Absent(_) => {}
            }
        }
        v
    };
    // `$key` needs the element's mapping key as a node; they live for this call only.
    let keys: Vec<Option<Node>> = elements
        .iter()
        .map(|h| {
            h.key
                .map(|k| Node::new(Value::Str(k.into()), h.key_span.unwrap_or(h.node.span)))
        })
        .collect();
    for (el, key) in elements.into_iter().zip(&keys) {
        let scope = base.with_current(el, key.as_ref());
        if let Some(w) = &*check.when {
            let o = eval(w, &scope);
            match o.verdict {
                Tri::True => {}
                Tri::False => continue,
                Tri::Unknown => {
                    stats.unknown += 1;
                    stats.undecided += u64::from(o.from_deployment());
                    continue;
                }
            }
        }
        if let Some(r) = &*check.require {
            let o = eval(r, &scope);
            tally(
                o,
                Tri::False,
                set,
                cref,
                check,
                res,
                el,
                locator,
                out,
                stats,
            );
        }
        if let Some(f) = &*check.forbid {
            let o = eval(f, &scope);
            tally(o, Tri::True, set, cref, check, res, el, locator, out, stats);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn tally<'a>(
    o: Outcome<'a>,
    failing: Tri,
    set: &'a PolicySet,
    cref: CheckRef,
    check: &'a Check,
    res: &'a Resource,
    el: Hit<'a>,
    locator: &mut path::Locator,
    out: &mut Vec<RawFinding>,
    stats: &mut PolicyStats,
) {
    if o.verdict == Tri::Unknown {
        stats.unknown += 1;
        stats.undecided += u64::from(o.from_deployment());
    } else if o.verdict != failing {
        stats.passed += 1;
    } else {
        stats.failed += 1;
        out.push(make_finding(set, cref, check, res, el, &o.witness, locator));
    }
}

fn make_finding(
    set: &PolicySet,
    cref: CheckRef,
    check: &Check,
    res: &Resource,
    el: Hit<'_>,
    w: &Witness<'_>,
    locator: &mut path::Locator,
) -> RawFinding {
    let steps = locator.path_of(&res.root, el.node, w.node);
    let node_path = path::display_steps(&steps);
    let template = check
        .message
        .as_ref()
        .unwrap_or(&set.policies[cref.0].message);
    let message = template.render(|v| match v {
        Var::Name => res.name().unwrap_or("(unnamed)").to_string(),
        Var::Namespace => res.namespace().unwrap_or("").to_string(),
        Var::Kind => res.kind().to_string(),
        Var::Value => match w.value {
            None => "absent".to_string(),
            // Terraform `sensitive` values are never printed.
            Some(n) if res.is_sensitive(n.span) => "(sensitive)".to_string(),
            Some(n) => n.value.to_string(),
        },
        Var::Path => node_path.clone(),
        Var::Item => el.node.get_str("name").or(el.key).unwrap_or("").to_string(),
        Var::Related => w.related.map(|(r, _)| related_name(r)).unwrap_or_default(),
    });
    RawFinding {
        check: cref,
        message,
        span: w.span,
        stable_path: path::stable_steps(&steps),
        keys: steps
            .iter()
            .filter_map(|s| match s {
                path::PathStep::Key(k) => Some(k.clone()),
                path::PathStep::Item { .. } => None,
            })
            .collect(),
        node_path,
        related_file: w
            .related
            .map(|(r, span)| (r.file, span, format!("related {}", r.id))),
    }
}
