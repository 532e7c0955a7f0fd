//! Cross-resource tests over a read-only index of every kept resource of the run.

use std::collections::HashMap;

use super::compile::kinds_match;
use super::eval::{Outcome, Scope, Tri, Witness, eval};
use super::path::{Hit, Resolved};
use super::schema::{KindSet, NameFrom, Related};
use crate::model::{Format, Node, Resource};

/// Resources by format and kind; built once after loading, then shared read-only.
pub struct Index<'a> {
    all: Vec<&'a Resource>,
    by_kind: HashMap<(Format, &'a str), Vec<&'a Resource>>,
    /// Most relations name the object they want (a pod's ServiceAccount): a direct lookup
    /// keeps the relation pass linear in the number of subjects.
    by_name: HashMap<(Format, &'a str, &'a str), Vec<&'a Resource>>,
}

impl<'a> Index<'a> {
    pub fn new(resources: impl IntoIterator<Item = &'a Resource>) -> Self {
        let all: Vec<&Resource> = resources.into_iter().collect();
        let mut by_kind: HashMap<(Format, &str), Vec<&Resource>> = HashMap::new();
        let mut by_name: HashMap<(Format, &str, &str), Vec<&Resource>> = HashMap::new();
        for r in &all {
            by_kind.entry((r.format, r.kind())).or_default().push(r);
            if let Some(name) = r.name() {
                by_name
                    .entry((r.format, r.kind(), name))
                    .or_default()
                    .push(r);
            }
        }
        Index {
            all,
            by_kind,
            by_name,
        }
    }

    fn candidates<'s>(
        &'s self,
        format: Format,
        kinds: &'a KindSet,
        name: Option<&'s str>,
    ) -> Box<dyn Iterator<Item = &'a Resource> + 's> {
        match kinds {
            KindSet::Kinds(list) if format != Format::Arm => Box::new(
                list.iter()
                    .filter_map(move |k| match name {
                        Some(n) => self.by_name.get(&(format, k.kind.as_str(), n)),
                        None => self.by_kind.get(&(format, k.kind.as_str())),
                    })
                    .flatten()
                    .copied()
                    .filter(move |r| kinds_match(kinds, r)),
            ),
            _ => Box::new(
                self.all
                    .iter()
                    .copied()
                    .filter(move |r| r.format == format && kinds_match(kinds, r)),
            ),
        }
    }
}

pub fn eval_related<'a>(rel: &'a Related, scope: &Scope<'a>) -> Outcome<'a> {
    let here = Witness {
        span: scope.roots.current.report_span(),
        node: scope.roots.current.node,
        value: None,
        related: None,
    };
    let Some(index) = scope.index else {
        return Outcome {
            verdict: Tri::Unknown,
            witness: here,
        };
    };
    if let Some(verdict) = rel.none_scanned
        && !index
            .candidates(rel.format, &rel.kinds, None)
            .any(|c| !std::ptr::eq(c, scope.res))
    {
        // The other side was not scanned at all.
        return Outcome {
            verdict: verdict.map_or(Tri::Unknown, Tri::from_bool),
            witness: here,
        };
    }
    let mut base = here;
    let mut wanted_name: Option<&'a str> = None;
    if let Some(nf) = &rel.name {
        match resolve_name(nf, scope) {
            Named::Unknown(at) => {
                return Outcome {
                    verdict: Tri::Unknown,
                    witness: Witness {
                        value: Some(at),
                        ..base
                    },
                };
            }
            Named::Found(hit, name) => {
                base = Witness {
                    span: hit.report_span(),
                    node: hit.node,
                    value: Some(hit.node),
                    related: None,
                };
                wanted_name = name;
            }
            Named::Absent(at) => {
                if let Some(h) = at {
                    base = Witness {
                        span: h.report_span(),
                        node: h.node,
                        value: None,
                        related: None,
                    };
                }
                wanted_name = nf.default.as_deref();
            }
        }
        if wanted_name.is_none() {
            // No name to look for: as if no related resource were in the run.
            return Outcome {
                verdict: rel.missing.map_or(Tri::Unknown, Tri::from_bool),
                witness: base,
            };
        }
    }
    let mut wanted_namespace: Option<&'a str> = None;
    if let Some(nf) = &rel.namespace_from {
        match resolve_name(nf, scope) {
            Named::Unknown(at) => {
                return Outcome {
                    verdict: Tri::Unknown,
                    witness: Witness {
                        value: Some(at),
                        ..base
                    },
                };
            }
            Named::Found(_, ns) => wanted_namespace = ns,
            Named::Absent(_) => wanted_namespace = nf.default.as_deref(),
        }
    }
    let subject = scope.subject.unwrap_or(scope.res);
    let mut any_candidate = false;
    let mut unknown = false;
    // An undecided candidate's witness, when a deployment value left it undecided.
    let mut unknown_value: Option<&'a Node> = None;
    let mut first_failure: Option<Witness<'a>> = None;
    for cand in index.candidates(rel.format, &rel.kinds, wanted_name) {
        if std::ptr::eq(cand, scope.res) {
            continue;
        }
        if rel.same_namespace && cand.namespace() != scope.res.namespace() {
            continue;
        }
        if rel.namespace_from.is_some() && cand.namespace() != wanted_namespace {
            continue;
        }
        if let Some(n) = wanted_name
            && cand.name() != Some(n)
        {
            continue;
        }
        let cscope = Scope {
            subject: Some(subject),
            ..Scope::of(cand, scope.index)
        };
        if let Some(w) = &rel.where_ {
            let o = eval(w, &cscope);
            match o.verdict {
                Tri::True => {}
                Tri::False => continue,
                Tri::Unknown => {
                    unknown = true;
                    if o.from_deployment() {
                        unknown_value = unknown_value.or(o.witness.value);
                    }
                    continue;
                }
            }
        }
        any_candidate = true;
        let req = rel.require.as_ref().map(|c| eval(c, &cscope));
        let forb = rel.forbid.as_ref().map(|c| {
            let o = eval(c, &cscope);
            Outcome {
                verdict: o.verdict.negate(),
                ..o
            }
        });
        let parts = [req, forb];
        let failing = parts.iter().flatten().find(|o| o.verdict == Tri::False);
        let undecided = parts.iter().flatten().any(|o| o.verdict == Tri::Unknown);
        match (failing, undecided) {
            (Some(o), _) => {
                first_failure.get_or_insert(Witness {
                    related: Some((cand, o.witness.span)),
                    ..base
                });
            }
            (None, true) => {
                unknown = true;
                if let Some(o) = parts.iter().flatten().find(|o| o.from_deployment()) {
                    unknown_value = unknown_value.or(o.witness.value);
                }
            }
            (None, false) => {
                let span = parts
                    .iter()
                    .flatten()
                    .next()
                    .map_or(cand.root.head_span(), |o| o.witness.span);
                return Outcome {
                    verdict: Tri::True,
                    witness: Witness {
                        related: Some((cand, span)),
                        ..base
                    },
                };
            }
        }
    }
    if unknown {
        return Outcome {
            verdict: Tri::Unknown,
            witness: Witness {
                value: unknown_value.or(base.value.filter(|v| v.is_unknown())),
                ..base
            },
        };
    }
    match first_failure {
        Some(w) => Outcome {
            verdict: Tri::False,
            witness: w,
        },
        None => {
            debug_assert!(!any_candidate);
            Outcome {
                verdict: rel.missing.map_or(Tri::Unknown, Tri::from_bool),
                witness: base,
            }
        }
    }
}

enum Named<'a> {
    /// The path is unknown until deployment (the unknown value).
    Unknown(&'a Node),
    /// Found: the node, and the name in it (`None` when `capture` did not match).
    Found(Hit<'a>, Option<&'a str>),
    /// No path is present; the deepest node on the way.
    Absent(Option<Hit<'a>>),
}

/// Reads a name (or namespace) for a relation from this resource.
fn resolve_name<'a>(nf: &'a NameFrom, scope: &Scope<'a>) -> Named<'a> {
    let mut absent = None;
    for p in &nf.paths {
        match scope.roots.resolve(p) {
            Resolved::Found(hits) => {
                let h = hits[0];
                if h.node.is_unknown() {
                    return Named::Unknown(h.node);
                }
                let name = h.node.as_str().and_then(|s| match &nf.capture {
                    Some(re) => re.first_group(s),
                    None => Some(s),
                });
                return Named::Found(h, name);
            }
            Resolved::Unknown(h) => return Named::Unknown(h.node),
            Resolved::Absent(h) => {
                absent.get_or_insert(h);
            }
        }
    }
    Named::Absent(absent)
}
