//! The ARM template functions whose arguments are all evaluated first.
//!
//! `apply` returns `None` for a function it does not know. Deployment-time functions
//! (`reference`, `list*`, `utcNow`, `newGuid`, `subscription`, `resourceGroup`, ...) are
//! unknown. Resource-ID functions build a string whose unknown parts are `{expression}`
//! placeholders, so the type and name at their end stay comparable.

use super::eval::{MAX_ITEMS, MAX_STRING, unknown};
pub use crate::model::identity::id_key;
use crate::model::{Entry, Node, Span, Value};

fn node(value: Value, span: Span) -> Node {
    Node::new(value, span)
}

fn string(s: impl Into<Box<str>>, span: Span) -> Node {
    let s: Box<str> = s.into();
    if s.len() > MAX_STRING {
        return unknown(span);
    }
    node(Value::Str(s), span)
}

fn boolean(b: bool, span: Span) -> Node {
    node(Value::Bool(b), span)
}

fn int(i: i64, span: Span) -> Node {
    node(Value::Int(i), span)
}

fn seq(items: Vec<Node>, span: Span) -> Node {
    if items.len() > MAX_ITEMS {
        return unknown(span);
    }
    node(Value::Seq(items), span)
}

/// Functions of the deployment (not of the template): never known before deploying.
const DEPLOYMENT_TIME: &[&str] = &[
    "reference",
    "references",
    "utcnow",
    "newguid",
    "subscription",
    "resourcegroup",
    "deployment",
    "tenant",
    "managementgroup",
    "environment",
    "uniquestring",
    "guid",
    "pickzones",
    "externalinputs",
    "readenvironmentvariable",
    "deployer",
    "providers",
];

/// Applies function `name` (lower case) to evaluated `args`. `placeholder(i)` names the
/// expression of argument `i` (for the `{expression}` parts of resource IDs); ARM prints its
/// template expression, Bicep its source expression.
pub fn apply(
    name: &str,
    args: &[Node],
    placeholder: &dyn Fn(usize) -> Option<String>,
    span: Span,
) -> Option<Node> {
    if DEPLOYMENT_TIME.contains(&name) || name.starts_with("list") {
        return Some(unknown(span));
    }
    match name {
        "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid"
        | "managementgroupresourceid"
        | "extensionresourceid" => {
            return Some(resource_id(name, args, placeholder, span));
        }
        "trygetvalue" | "tryget" => return Some(try_get(args, span)),
        "empty" => {
            return Some(match args.first().map(|a| &a.value) {
                Some(Value::Unknown) | None => unknown(span),
                Some(Value::Null) => boolean(true, span),
                Some(Value::Str(s)) => boolean(s.is_empty(), span),
                Some(Value::Seq(s)) => boolean(s.is_empty(), span),
                Some(Value::Map(m)) => boolean(m.is_empty(), span),
                Some(_) => boolean(false, span),
            });
        }
        "createobject" => {
            let mut entries = Vec::new();
            for pair in args.chunks(2) {
                let [k, v] = pair else {
                    return Some(unknown(span));
                };
                let Some(key) = k.as_str() else {
                    return Some(unknown(span));
                };
                entries.push(Entry {
                    key: key.into(),
                    key_span: k.span,
                    value: v.clone(),
                });
            }
            return Some(node(Value::Map(entries), span));
        }
        "createarray" => return Some(seq(args.to_vec(), span)),
        "null" => return Some(node(Value::Null, span)),
        "true" => return Some(boolean(true, span)),
        "false" => return Some(boolean(false, span)),
        "union" => return Some(union(args, span)),
        "shallowmerge" => {
            return Some(match args.first().map(|a| &a.value) {
                Some(Value::Seq(items)) => union_objects(items, false, span),
                _ => unknown(span),
            });
        }
        "items" => {
            return Some(match args.first().map(|a| &a.value) {
                Some(Value::Map(entries)) => {
                    let mut sorted: Vec<&Entry> = entries.iter().collect();
                    sorted.sort_by_key(|e| e.key.to_ascii_lowercase());
                    seq(
                        sorted
                            .into_iter()
                            .map(|e| {
                                node(
                                    Value::Map(vec![
                                        Entry {
                                            key: "key".into(),
                                            key_span: e.key_span,
                                            value: string(e.key.clone(), e.key_span),
                                        },
                                        Entry {
                                            key: "value".into(),
                                            key_span: e.key_span,
                                            value: e.value.clone(),
                                        },
                                    ]),
                                    e.key_span,
                                )
                            })
                            .collect(),
                        span,
                    )
                }
                _ => unknown(span),
            });
        }
        _ => {}
    }
    // The rest need every argument known.
    if args.iter().any(Node::is_unknown) {
        return Some(unknown(span));
    }
    let s = |i: usize| args.get(i).and_then(Node::as_str);
    let n = |i: usize| args.get(i).and_then(|a| a.value.as_f64());
    let v = match name {
        "not" => match args.first() {
            // The verdict rests on the argument: point there.
            Some(a) => match a.value {
                Value::Bool(b) => boolean(!b, a.span),
                _ => unknown(span),
            },
            None => unknown(span),
        },
        "equals" => match args {
            [a, b] => boolean(a.value.same_as(&b.value), span),
            _ => unknown(span),
        },
        "less" | "lessorequals" | "greater" | "greaterorequals" => match compare(args) {
            Some(o) => boolean(
                match name {
                    "less" => o.is_lt(),
                    "lessorequals" => o.is_le(),
                    "greater" => o.is_gt(),
                    _ => o.is_ge(),
                },
                span,
            ),
            None => unknown(span),
        },
        "bool" => match args.first().map(|a| &a.value) {
            Some(Value::Bool(b)) => boolean(*b, span),
            Some(Value::Str(t)) if t.eq_ignore_ascii_case("true") => boolean(true, span),
            Some(Value::Str(t)) if t.eq_ignore_ascii_case("false") => boolean(false, span),
            Some(Value::Int(i)) => boolean(*i != 0, span),
            _ => unknown(span),
        },
        "int" => match args.first().map(|a| &a.value) {
            Some(Value::Int(i)) => int(*i, span),
            Some(Value::Float(f)) => int(*f as i64, span),
            Some(Value::Str(t)) => t
                .trim()
                .parse()
                .map_or_else(|_| unknown(span), |i| int(i, span)),
            _ => unknown(span),
        },
        "string" => match args.first() {
            Some(a) => string(to_text(a), span),
            None => unknown(span),
        },
        "length" => match args.first().map(|a| &a.value) {
            Some(Value::Str(t)) => int(t.chars().count() as i64, span),
            Some(Value::Seq(x)) => int(x.len() as i64, span),
            Some(Value::Map(x)) => int(x.len() as i64, span),
            _ => unknown(span),
        },
        "contains" => match (args.first().map(|a| &a.value), args.get(1)) {
            (Some(Value::Str(h)), Some(needle)) => boolean(h.contains(&*to_text(needle)), span),
            (Some(Value::Seq(items)), Some(needle)) => {
                boolean(items.iter().any(|i| i.value.same_as(&needle.value)), span)
            }
            (Some(Value::Map(entries)), Some(k)) => match k.as_str() {
                Some(k) => boolean(entries.iter().any(|e| e.key.eq_ignore_ascii_case(k)), span),
                None => unknown(span),
            },
            _ => unknown(span),
        },
        "concat" => {
            if args.iter().all(|a| a.as_seq().is_some() || a.is_null()) {
                seq(
                    args.iter()
                        .flat_map(|a| a.as_seq().unwrap_or_default().iter().cloned())
                        .collect(),
                    span,
                )
            } else {
                string(args.iter().map(to_text).collect::<String>(), span)
            }
        }
        "format" => match s(0) {
            Some(f) => {
                format_dotnet(f, &args[1..]).map_or_else(|| unknown(span), |t| string(t, span))
            }
            None => unknown(span),
        },
        "tolower" => s(0).map_or_else(|| unknown(span), |t| string(t.to_lowercase(), span)),
        "toupper" => s(0).map_or_else(|| unknown(span), |t| string(t.to_uppercase(), span)),
        "trim" => s(0).map_or_else(|| unknown(span), |t| string(t.trim(), span)),
        "replace" => match (s(0), s(1), s(2)) {
            (Some(t), Some(a), Some(b)) if !a.is_empty() => string(t.replace(a, b), span),
            _ => unknown(span),
        },
        "split" => match (s(0), args.get(1).map(|a| &a.value)) {
            (Some(t), Some(Value::Str(d))) => {
                seq(t.split(&**d).map(|p| string(p, span)).collect(), span)
            }
            (Some(t), Some(Value::Seq(ds))) => {
                let delims: Vec<&str> = ds.iter().filter_map(Node::as_str).collect();
                let mut parts = vec![t.to_string()];
                for d in delims.iter().filter(|d| !d.is_empty()) {
                    parts = parts
                        .iter()
                        .flat_map(|p| p.split(d).map(str::to_string))
                        .collect();
                }
                seq(parts.into_iter().map(|p| string(p, span)).collect(), span)
            }
            _ => unknown(span),
        },
        "substring" => match (s(0), n(1)) {
            (Some(t), Some(start)) => {
                let chars: Vec<char> = t.chars().collect();
                let start = start as usize;
                let len = n(2).map_or(chars.len().saturating_sub(start), |l| l as usize);
                match chars.get(start..start.saturating_add(len)) {
                    Some(part) => string(part.iter().collect::<String>(), span),
                    None => unknown(span),
                }
            }
            _ => unknown(span),
        },
        "startswith" | "endswith" | "indexof" | "lastindexof" => match (s(0), s(1)) {
            (Some(t), Some(x)) => {
                let (t, x) = (t.to_lowercase(), x.to_lowercase());
                match name {
                    "startswith" => boolean(t.starts_with(&x), span),
                    "endswith" => boolean(t.ends_with(&x), span),
                    "indexof" => int(
                        t.find(&x).map_or(-1, |i| t[..i].chars().count() as i64),
                        span,
                    ),
                    _ => int(
                        t.rfind(&x).map_or(-1, |i| t[..i].chars().count() as i64),
                        span,
                    ),
                }
            }
            _ => unknown(span),
        },
        "first" | "last" => match args.first().map(|a| &a.value) {
            Some(Value::Seq(items)) => {
                let item = if name == "first" {
                    items.first()
                } else {
                    items.last()
                };
                item.cloned().unwrap_or_else(|| node(Value::Null, span))
            }
            Some(Value::Str(t)) => {
                let c = if name == "first" {
                    t.chars().next()
                } else {
                    t.chars().last()
                };
                string(c.map(String::from).unwrap_or_default(), span)
            }
            _ => unknown(span),
        },
        "skip" | "take" => match (args.first().map(|a| &a.value), n(1)) {
            (Some(Value::Seq(items)), Some(k)) => {
                let k = (k.max(0.0) as usize).min(items.len());
                let part = if name == "skip" {
                    &items[k..]
                } else {
                    &items[..k]
                };
                seq(part.to_vec(), span)
            }
            (Some(Value::Str(t)), Some(k)) => {
                let k = k.max(0.0) as usize;
                string(
                    if name == "skip" {
                        t.chars().skip(k).collect::<String>()
                    } else {
                        t.chars().take(k).collect::<String>()
                    },
                    span,
                )
            }
            _ => unknown(span),
        },
        "join" => match (args.first().and_then(Node::as_seq), s(1)) {
            (Some(items), Some(d)) => {
                string(items.iter().map(to_text).collect::<Vec<_>>().join(d), span)
            }
            _ => unknown(span),
        },
        "array" => match args.first() {
            Some(a) if a.as_seq().is_some() => a.clone(),
            Some(a) => seq(vec![a.clone()], span),
            None => unknown(span),
        },
        "range" => match (n(0), n(1)) {
            (Some(start), Some(count)) if count >= 0.0 && (count as usize) <= MAX_ITEMS => seq(
                (0..count as i64)
                    .map(|i| int(start as i64 + i, span))
                    .collect(),
                span,
            ),
            _ => unknown(span),
        },
        "intersection" => match args.first().map(|a| &a.value) {
            Some(Value::Seq(first)) => {
                let rest: Vec<&[Node]> = args[1..].iter().filter_map(Node::as_seq).collect();
                seq(
                    first
                        .iter()
                        .filter(|x| {
                            rest.iter()
                                .all(|r| r.iter().any(|y| y.value.same_as(&x.value)))
                        })
                        .cloned()
                        .collect(),
                    span,
                )
            }
            _ => unknown(span),
        },
        "flatten" => match args.first().and_then(Node::as_seq) {
            Some(items) => seq(
                items
                    .iter()
                    .flat_map(|i| i.as_seq().map_or_else(|| vec![i.clone()], <[Node]>::to_vec))
                    .collect(),
                span,
            ),
            None => unknown(span),
        },
        "objectkeys" => match args.first().and_then(Node::as_map) {
            Some(entries) => seq(
                entries
                    .iter()
                    .map(|e| string(e.key.clone(), e.key_span))
                    .collect(),
                span,
            ),
            None => unknown(span),
        },
        "json" => match s(0) {
            Some(t) => serde_json::from_str::<serde_json::Value>(t)
                .map_or_else(|_| unknown(span), |j| from_json(&j, span)),
            None => unknown(span),
        },
        "add" | "sub" | "mul" | "div" | "mod" => match (args.first(), args.get(1)) {
            (
                Some(Node {
                    value: Value::Int(a),
                    ..
                }),
                Some(Node {
                    value: Value::Int(b),
                    ..
                }),
            ) => {
                let r = match name {
                    "add" => a.checked_add(*b),
                    "sub" => a.checked_sub(*b),
                    "mul" => a.checked_mul(*b),
                    "div" => a.checked_div(*b),
                    _ => a.checked_rem(*b),
                };
                r.map_or_else(|| unknown(span), |r| int(r, span))
            }
            _ => unknown(span),
        },
        "min" | "max" => {
            let nums: Vec<i64> = args
                .iter()
                .flat_map(|a| match &a.value {
                    Value::Seq(items) => items.iter().map(|i| i.value.clone()).collect(),
                    v => vec![v.clone()],
                })
                .filter_map(|v| match v {
                    Value::Int(i) => Some(i),
                    _ => None,
                })
                .collect();
            let r = if name == "min" {
                nums.iter().min()
            } else {
                nums.iter().max()
            };
            r.map_or_else(|| unknown(span), |r| int(*r, span))
        }
        "base64"
        | "base64tostring"
        | "uri"
        | "uricomponent"
        | "uricomponenttostring"
        | "datauri"
        | "datauritostring"
        | "padleft"
        | "datetimeadd"
        | "datetimefromepoch"
        | "datetimetoepoch"
        | "indexfromend"
        | "tryindexfromend"
        | "loadtextcontent"
        | "loadjsoncontent"
        | "loadfileasbase64"
        | "parsecidr"
        | "cidrsubnet"
        | "cidrhost"
        | "objectkeysandvalues" => unknown(span),
        _ => return None,
    };
    Some(v)
}

/// The lambda functions over evaluated inputs, for both evaluators: `map`, `filter`,
/// `reduce` (with `init`), `sort`, `toObject` (key lambda, then an optional value lambda),
/// `mapValues` and `groupBy`. `call(k, arguments)` applies the `k`-th lambda; `lambdas` says
/// how many were given. Unknown when the input or a deciding lambda result is.
pub fn higher_order(
    name: &str,
    input: &Node,
    init: Option<Node>,
    lambdas: usize,
    call: &mut dyn FnMut(usize, Vec<Node>) -> Node,
    span: Span,
) -> Node {
    let idx = |i: usize| node(Value::Int(i as i64), span);
    match (name, &input.value) {
        ("mapvalues", Value::Map(entries)) => {
            let mut out = Vec::new();
            for e in entries {
                out.push(Entry {
                    key: e.key.clone(),
                    key_span: e.key_span,
                    value: call(0, vec![e.value.clone()]),
                });
            }
            node(Value::Map(out), span)
        }
        (_, Value::Seq(items)) => {
            let items = items.clone();
            match name {
                "map" => seq(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| call(0, vec![x, idx(i)]))
                        .collect(),
                    span,
                ),
                "filter" => {
                    let mut out = Vec::new();
                    for (i, x) in items.into_iter().enumerate() {
                        match call(0, vec![x.clone(), idx(i)]).value {
                            Value::Bool(true) => out.push(x),
                            Value::Bool(false) => {}
                            _ => return unknown(span),
                        }
                    }
                    seq(out, span)
                }
                "reduce" => {
                    let mut acc = init.unwrap_or_else(|| unknown(span));
                    for (i, x) in items.into_iter().enumerate() {
                        acc = call(0, vec![acc, x, idx(i)]);
                    }
                    acc
                }
                "sort" => {
                    let mut out: Vec<Node> = Vec::with_capacity(items.len());
                    for x in items {
                        let mut pos = out.len();
                        for (j, y) in out.iter().enumerate() {
                            match call(0, vec![x.clone(), y.clone()]).value {
                                Value::Bool(true) => {
                                    pos = j;
                                    break;
                                }
                                Value::Bool(false) => {}
                                _ => return unknown(span),
                            }
                        }
                        out.insert(pos, x);
                    }
                    seq(out, span)
                }
                "toobject" | "groupby" => {
                    if lambdas == 0 {
                        return unknown(span);
                    }
                    let mut out: Vec<Entry> = Vec::new();
                    for x in items {
                        let k = call(0, vec![x.clone()]);
                        let Some(key) = k.as_str() else {
                            return unknown(span);
                        };
                        if name == "groupby" {
                            match out.iter_mut().find(|e| &*e.key == key) {
                                Some(e) => {
                                    if let Value::Seq(v) = &mut e.value.value {
                                        v.push(x);
                                    }
                                }
                                None => out.push(Entry {
                                    key: key.into(),
                                    key_span: k.span,
                                    value: node(Value::Seq(vec![x]), span),
                                }),
                            }
                            continue;
                        }
                        let v = if lambdas > 1 { call(1, vec![x]) } else { x };
                        out.retain(|e| !e.key.eq_ignore_ascii_case(key));
                        out.push(Entry {
                            key: key.into(),
                            key_span: k.span,
                            value: v,
                        });
                    }
                    node(Value::Map(out), span)
                }
                _ => unknown(span),
            }
        }
        _ => unknown(span),
    }
}

/// `.name` on a value: case-insensitive, null when missing (as `.?` reads it).
pub fn member(target: &Node, name: &str, span: Span) -> Node {
    match &target.value {
        Value::Unknown => unknown(span),
        Value::Map(_) => target
            .entry_ignore_case(name)
            .map_or_else(|| node(Value::Null, span), |e| e.value.clone()),
        _ => node(Value::Null, span),
    }
}

pub fn index(target: &Node, i: &Node, span: Span) -> Node {
    match (&target.value, &i.value) {
        (Value::Unknown, _) | (_, Value::Unknown) => unknown(span),
        (Value::Seq(items), Value::Int(k)) => usize::try_from(*k)
            .ok()
            .and_then(|k| items.get(k))
            .cloned()
            .unwrap_or_else(|| node(Value::Null, span)),
        (Value::Map(_), Value::Str(k)) => member(target, k, span),
        _ => node(Value::Null, span),
    }
}

fn try_get(args: &[Node], span: Span) -> Node {
    let Some(mut cur) = args.first().cloned() else {
        return unknown(span);
    };
    for k in &args[1..] {
        cur = match (&cur.value, &k.value) {
            (Value::Unknown, _) | (_, Value::Unknown) => return unknown(span),
            (Value::Map(_), Value::Str(key)) => match cur.entry_ignore_case(key) {
                Some(e) => e.value.clone(),
                None => return node(Value::Null, span),
            },
            (Value::Seq(items), Value::Int(i)) => {
                match usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                    Some(n) => n.clone(),
                    None => return node(Value::Null, span),
                }
            }
            _ => return node(Value::Null, span),
        };
    }
    cur
}

fn union(args: &[Node], span: Span) -> Node {
    if args.iter().any(Node::is_unknown) {
        return unknown(span);
    }
    let args: Vec<&Node> = args.iter().filter(|a| !a.is_null()).collect();
    if args.iter().all(|a| a.as_map().is_some()) {
        let owned: Vec<Node> = args.into_iter().cloned().collect();
        return union_objects(&owned, true, span);
    }
    if args.iter().all(|a| a.as_seq().is_some()) {
        let mut out: Vec<Node> = Vec::new();
        for a in args {
            for item in a.as_seq().unwrap_or_default() {
                if !out.iter().any(|o| o.value.same_as(&item.value)) {
                    out.push(item.clone());
                }
            }
        }
        return seq(out, span);
    }
    unknown(span)
}

/// Later objects win; with `deep`, nested objects merge (ARM `union`); else replace
/// (`shallowMerge`).
fn union_objects(objects: &[Node], deep: bool, span: Span) -> Node {
    let mut out: Vec<Entry> = Vec::new();
    for o in objects {
        match &o.value {
            Value::Map(entries) => {
                for e in entries {
                    match out.iter_mut().find(|x| x.key.eq_ignore_ascii_case(&e.key)) {
                        Some(x)
                            if deep && x.value.as_map().is_some() && e.value.as_map().is_some() =>
                        {
                            let merged = union_objects(
                                &[x.value.clone(), e.value.clone()],
                                true,
                                e.value.span,
                            );
                            x.value = merged;
                        }
                        Some(x) => {
                            x.value = e.value.clone();
                            x.key_span = e.key_span;
                        }
                        None => out.push(e.clone()),
                    }
                }
            }
            Value::Null => {}
            _ => return unknown(span),
        }
    }
    node(Value::Map(out), span)
}

fn compare(args: &[Node]) -> Option<std::cmp::Ordering> {
    match args {
        [a, b] => match (&a.value, &b.value) {
            (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
            (x, y) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        _ => None,
    }
}

/// How ARM prints a value in `string()`, `concat()` and `format()`.
pub fn to_text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => n.to_json().to_string(),
        v => v.to_string(),
    }
}

/// .NET composite formatting: `{0}`, `{1:D}`, `{{` and `}}`.
fn format_dotnet(f: &str, args: &[Node]) -> Option<String> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let idx: usize = spec.split([':', ',']).next()?.trim().parse().ok()?;
                out.push_str(&to_text(args.get(idx)?));
            }
            c => out.push(c),
        }
        if out.len() > MAX_STRING {
            return None;
        }
    }
    Some(out)
}

/// A JSON value as a tree whose every node points at `span` (`json()`; azapi v1 bodies).
pub fn from_json(j: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as J;
    let value = match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        J::String(s) => Value::Str(s.as_str().into()),
        J::Array(a) => Value::Seq(a.iter().map(|x| from_json(x, span)).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| Entry {
                    key: k.as_str().into(),
                    key_span: span,
                    value: from_json(v, span),
                })
                .collect(),
        ),
    };
    node(value, span)
}

/// The text of an ID segment; unknown values become `{expression}` placeholders.
fn segment(n: &Node, e: Option<String>) -> String {
    match &n.value {
        Value::Str(s) => s.to_string(),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => to_text(n),
        _ => format!("{{{}}}", e.unwrap_or_else(|| "?".to_string())),
    }
}

/// A namespaced type such as `Microsoft.Network/privateEndpoints`.
fn looks_like_type(n: &Node) -> bool {
    n.as_str().is_some_and(|s| {
        let (ns, rest) = s.split_once('/').unwrap_or(("", ""));
        ns.contains('.') && !rest.is_empty() && !s.starts_with('/')
    })
}

fn resource_id(
    name: &str,
    args: &[Node],
    placeholder: &dyn Fn(usize) -> Option<String>,
    span: Span,
) -> Node {
    let seg = |i: usize| segment(&args[i], placeholder(i));
    let Some(t) = args.iter().position(looks_like_type) else {
        return unknown(span);
    };
    let ty = args[t].as_str().unwrap_or_default();
    let mut types = ty.split('/');
    let namespace = types.next().unwrap_or_default();
    let mut tail = format!("providers/{namespace}");
    let names = &args[t + 1..];
    for (i, ty) in types.enumerate() {
        tail.push('/');
        tail.push_str(ty);
        tail.push('/');
        if i < names.len() {
            tail.push_str(&seg(t + 1 + i));
        }
    }
    let id = match name {
        "resourceid" => {
            let (sub, rg) = match t {
                0 => (
                    "{subscriptionId}".to_string(),
                    "{resourceGroupName}".to_string(),
                ),
                1 => ("{subscriptionId}".to_string(), seg(0)),
                _ => (seg(0), seg(1)),
            };
            format!("/subscriptions/{sub}/resourceGroups/{rg}/{tail}")
        }
        "subscriptionresourceid" => {
            let sub = if t >= 1 {
                seg(0)
            } else {
                "{subscriptionId}".to_string()
            };
            format!("/subscriptions/{sub}/{tail}")
        }
        "managementgroupresourceid" => {
            let mg = if t >= 1 {
                seg(0)
            } else {
                "{managementGroupId}".to_string()
            };
            format!("/providers/Microsoft.Management/managementGroups/{mg}/{tail}")
        }
        "extensionresourceid" => {
            if t == 0 {
                return unknown(span);
            }
            format!("{}/{tail}", seg(0).trim_end_matches('/'))
        }
        _ => format!("/{tail}"),
    };
    string(id, span)
}

#[cfg(test)]
mod tests {
    use super::super::eval::tests::eval;
    use super::*;

    fn j(expr: &str) -> serde_json::Value {
        eval(expr).to_json()
    }

    #[test]
    fn strings() {
        assert_eq!(j("[format('{0}-{1}', 'a', 2)]"), "a-2");
        assert_eq!(j("[format('{{x}} {0:D}', 'y')]"), "{x} y");
        assert_eq!(j("[toLower('AbC')]"), "abc");
        assert_eq!(j("[toUpper('a')]"), "A");
        assert_eq!(j("[replace('a-b-c', '-', '')]"), "abc");
        assert_eq!(j("[substring('abcdef', 2, 3)]"), "cde");
        assert!(eval("[substring('abc', 5, 3)]").is_unknown());
        assert_eq!(
            j("[split('a/b/c', '/')]"),
            serde_json::json!(["a", "b", "c"])
        );
        assert_eq!(j("[last(split('a/b/c', '/'))]"), "c");
        assert_eq!(j("[first('abc')]"), "a");
        assert_eq!(j("[string(true())]"), "True");
        assert_eq!(j("[concat('a', 1, 'b')]"), "a1b");
        assert_eq!(j("[trim('  a ')]"), "a");
        assert_eq!(j("[startsWith('Hello', 'he')]"), true);
        assert_eq!(j("[endsWith('Hello', 'LO')]"), true);
        assert_eq!(j("[indexOf('abc', 'c')]"), 2);
        assert_eq!(j("[join(createArray('a', 'b'), ',')]"), "a,b");
        assert!(eval("[format('{0}', reference('x'))]").is_unknown());
        assert!(eval("[toLower(parameters('nope'))]").is_unknown());
    }

    #[test]
    fn logic_and_comparison() {
        assert_eq!(j("[not(false())]"), true);
        assert_eq!(j("[equals('a', 'a')]"), true);
        assert_eq!(j("[equals(1, 2)]"), false);
        assert!(eval("[equals(reference('x'), 1)]").is_unknown());
        assert!(eval("[not(reference('x'))]").is_unknown());
        assert_eq!(j("[greater(2, 1)]"), true);
        assert_eq!(j("[lessOrEquals(2, 2)]"), true);
        assert_eq!(j("[bool('True')]"), true);
        assert_eq!(j("[int('42')]"), 42);
        assert_eq!(j("[add(1, 2)]"), 3);
        assert_eq!(j("[mod(7, 4)]"), 3);
        assert!(eval("[div(1, 0)]").is_unknown());
        assert_eq!(j("[max(createArray(1, 5, 3))]"), 5);
    }

    #[test]
    fn collections() {
        assert_eq!(j("[empty(createArray())]"), true);
        assert_eq!(j("[empty('')]"), true);
        assert_eq!(j("[empty(null())]"), true);
        assert_eq!(j("[empty(createObject('a', reference('x')))]"), false);
        assert!(eval("[empty(reference('x'))]").is_unknown());
        assert_eq!(j("[length(createArray(1, 2))]"), 2);
        assert_eq!(j("[contains(createArray('a'), 'a')]"), true);
        assert_eq!(j("[contains(createObject('Key', 1), 'key')]"), true);
        assert_eq!(j("[contains('abc', 'b')]"), true);
        assert_eq!(
            j(
                "[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]"
            ),
            serde_json::json!({"a": 1, "n": {"x": 1, "y": 2}, "b": 2})
        );
        assert_eq!(
            j(
                "[shallowMerge(createArray(createObject('n', createObject('x', 1)), createObject('n', createObject('y', 2))))]"
            ),
            serde_json::json!({"n": {"y": 2}})
        );
        assert_eq!(
            j("[union(createArray(1, 2), createArray(2, 3))]"),
            serde_json::json!([1, 2, 3])
        );
        assert!(eval("[union(createObject('a', 1), reference('x'))]").is_unknown());
        assert_eq!(
            j("[tryGet(createObject('a', createObject('b', 1)), 'a', 'b')]"),
            1
        );
        assert_eq!(
            j("[tryGet(createObject('a', 1), 'zz')]"),
            serde_json::Value::Null
        );
        assert!(eval("[tryGet(reference('x'), 'a')]").is_unknown());
        assert_eq!(j("[createObject('a', 1).A]"), 1);
        assert_eq!(j("[createArray(1, 2)[1]]"), 2);
        assert_eq!(j("[range(1, 3)]"), serde_json::json!([1, 2, 3]));
        assert!(eval("[range(0, 100000000)]").is_unknown());
        assert_eq!(
            j("[skip(createArray(1, 2, 3), 1)]"),
            serde_json::json!([2, 3])
        );
        assert_eq!(j("[take(createArray(1, 2, 3), 1)]"), serde_json::json!([1]));
        assert_eq!(
            j("[intersection(createArray(1, 2), createArray(2))]"),
            serde_json::json!([2])
        );
        assert_eq!(
            j("[flatten(createArray(createArray(1), createArray(2)))]"),
            serde_json::json!([1, 2])
        );
        assert_eq!(
            j("[objectKeys(createObject('a', 1))]"),
            serde_json::json!(["a"])
        );
        assert_eq!(j("[items(createObject('b', 2, 'a', 1))[0].key]"), "a");
        assert_eq!(j("[json('{\"a\": [1]}').a[0]]"), 1);
        assert_eq!(j("[array('x')]"), serde_json::json!(["x"]));
        assert_eq!(
            j("[concat(createArray(1), createArray(2))]"),
            serde_json::json!([1, 2])
        );
        assert_eq!(j("[first(createArray())]"), serde_json::Value::Null);
    }

    #[test]
    fn an_unknown_argument_makes_the_result_unknown() {
        // `#` is a value known only at deployment.
        let calls = [
            "not(#)",
            "equals(#, 1)",
            "less(#, 1)",
            "lessOrEquals(#, 1)",
            "greater(#, 1)",
            "greaterOrEquals(#, 1)",
            "bool(#)",
            "int(#)",
            "string(#)",
            "length(#)",
            "contains(#, 'a')",
            "contains(createArray('a'), #)",
            "concat('a', #)",
            "format('{0}', #)",
            "toLower(#)",
            "toUpper(#)",
            "trim(#)",
            "replace(#, 'a', 'b')",
            "split(#, '/')",
            "substring(#, 1)",
            "startsWith(#, 'a')",
            "endsWith(#, 'a')",
            "indexOf(#, 'a')",
            "lastIndexOf(#, 'a')",
            "first(#)",
            "last(#)",
            "skip(#, 1)",
            "take(#, 1)",
            "join(#, ',')",
            "array(#)",
            "range(#, 2)",
            "intersection(#, #)",
            "flatten(#)",
            "objectKeys(#)",
            "json(#)",
            "add(#, 1)",
            "sub(#, 1)",
            "mul(#, 1)",
            "div(#, 1)",
            "mod(#, 1)",
            "min(#, 1)",
            "max(#, 1)",
            "empty(#)",
            "union(#, createObject())",
            "shallowMerge(#)",
            "items(#)",
            "tryGet(#, 'a')",
            "if(#, 1, 2)",
            "and(true(), #)",
            "or(false(), #)",
            "coalesce(#, 1)",
            "coalesce(null(), #)",
            "map(#, lambda('x', 1))",
            "filter(#, lambda('x', true()))",
            "reduce(#, 0, lambda('a', 'c', 1))",
            "sort(#, lambda('a', 'b', true()))",
            "toObject(#, lambda('x', 'k'))",
            "mapValues(#, lambda('x', 1))",
            "#.property",
            "#[0]",
            "createObject('a', 1)[#]",
            "resourceId(#, 'n')",
        ];
        for call in calls {
            let expr = format!("[{}]", call.replace('#', "reference('x').v"));
            assert!(eval(&expr).is_unknown(), "{call} should be unknown");
        }
        // ... and known ones are not (the same calls with known arguments are tested above).
        assert!(!eval("[createArray(reference('x'))]").is_unknown());
        assert!(!eval("[resourceId('A.B/c', reference('x').n)]").is_unknown());
    }

    #[test]
    fn deployment_time_values_are_unknown() {
        for e in [
            "[reference('x')]",
            "[listKeys('x', '2020-01-01')]",
            "[utcNow()]",
            "[newGuid()]",
            "[subscription().subscriptionId]",
            "[resourceGroup().location]",
            "[deployment().name]",
            "[uniqueString('a')]",
            "[guid('a')]",
            "[environment().name]",
            "[tenant().tenantId]",
        ] {
            assert!(eval(e).is_unknown(), "{e}");
        }
    }

    #[test]
    fn resource_ids_keep_type_and_name_with_placeholders() {
        assert_eq!(
            j("[resourceId('Microsoft.ContainerRegistry/registries', 'acr1')]"),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/acr1"
        );
        assert_eq!(
            j("[resourceId('rg', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"),
            "/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
        );
        assert_eq!(
            j(
                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]"
            ),
            "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
        );
        assert_eq!(
            j("[resourceId('Microsoft.KeyVault/vaults', parameters('kv'))]"),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{parameters('kv')}"
        );
        assert_eq!(
            j(
                "[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/roleAssignments', 'x')]"
            ),
            "{resourceGroup().id}/providers/Microsoft.Authorization/roleAssignments/x"
        );
        assert_eq!(
            j("[tenantResourceId('Microsoft.Authorization/roleDefinitions', 'g')]"),
            "/providers/Microsoft.Authorization/roleDefinitions/g"
        );
        assert_eq!(
            j("[managementGroupResourceId('Microsoft.Authorization/roleDefinitions', 'g')]"),
            "/providers/Microsoft.Management/managementGroups/{managementGroupId}/providers/Microsoft.Authorization/roleDefinitions/g"
        );
    }

    #[test]
    fn id_keys() {
        assert_eq!(
            id_key("/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerRegistry/registries/Acr1").as_deref(),
            Some("microsoft.containerregistry/registries|acr1")
        );
        assert_eq!(
            id_key("/subscriptions/x/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
                .as_deref(),
            Some("microsoft.network/virtualnetworks/subnets|v/s")
        );
        assert_eq!(id_key("not an id"), None);
    }
}
