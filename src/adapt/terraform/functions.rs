//! The Terraform built-in functions AKS modules call (measured over the public modules of
//! `../shared/corpus/tf`, see docs/terraform.md), with unknown as a value. Functions whose
//! result depends on the machine, the clock or files (`uuid`, `timestamp`, `file`, hashes of
//! generated values, `cidrsubnet`) are unknown; so is any function not listed here.

use crate::model::Span;
use crate::model::{Entry, Node, Value};

use super::eval::{Budget, Fail, R, format_float, has_unknown, object, string, to_text, unknown};

fn node(v: Value, span: Span) -> Node {
    Node::new(v, span)
}

fn boolean(b: bool, span: Span) -> Node {
    node(Value::Bool(b), span)
}

fn seq(items: Vec<Node>, span: Span) -> Node {
    node(Value::Seq(items), span)
}

fn text(n: &Node) -> Result<String, Fail> {
    match &n.value {
        Value::Str(s) => Ok(s.to_string()),
        Value::Null => Err(Fail::Error),
        _ => to_text(n)?.ok_or(Fail::Error),
    }
}

fn int(n: &Node) -> Result<i64, Fail> {
    match &n.value {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        Value::Str(s) => s.trim().parse().map_err(|_| Fail::Error),
        _ => Err(Fail::Error),
    }
}

fn float(n: &Node) -> Result<f64, Fail> {
    n.value.as_f64().ok_or(Fail::Error)
}

fn items(n: Node) -> Result<Vec<Node>, Fail> {
    match n.value {
        Value::Seq(items) => Ok(items),
        _ => Err(Fail::Error),
    }
}

fn entries(n: Node) -> Result<Vec<Entry>, Fail> {
    match n.value {
        Value::Map(e) => Ok(e),
        _ => Err(Fail::Error),
    }
}

fn num(f: f64, span: Span) -> Node {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        node(Value::Int(f as i64), span)
    } else {
        node(Value::Float(f), span)
    }
}

/// Sorted, de-duplicated by value (a Terraform set of strings is ordered lexically).
fn set_of(mut v: Vec<Node>) -> Vec<Node> {
    let key = |n: &Node| serde_json::to_string(&n.to_json()).unwrap_or_default();
    v.sort_by_key(key);
    v.dedup_by(|a, b| a.value.same_as(&b.value));
    v
}

pub fn call(name: &str, mut args: Vec<Node>, span: Span, budget: &Budget) -> R {
    let charge: u64 = args.iter().map(|a| a.count() as u64).sum();
    budget.charge(charge)?;
    // Functions whose value cannot be known before apply (or depends on files and the clock).
    if matches!(
        name,
        "uuid"
            | "uuidv5"
            | "timestamp"
            | "plantimestamp"
            | "timeadd"
            | "timecmp"
            | "formatdate"
            | "md5"
            | "sha1"
            | "sha256"
            | "sha512"
            | "base64sha256"
            | "base64sha512"
            | "bcrypt"
            | "file"
            | "filebase64"
            | "fileexists"
            | "fileset"
            | "templatefile"
            | "filemd5"
            | "filesha256"
            | "yamldecode"
            | "yamlencode"
            | "cidrsubnet"
            | "cidrsubnets"
            | "cidrhost"
            | "cidrnetmask"
            | "textencodebase64"
            | "textdecodebase64"
            | "ephemeralasnull"
    ) {
        return Ok(unknown(span));
    }
    // Functions that look inside collections decide unknown elements themselves.
    let deep = matches!(
        name,
        "length"
            | "concat"
            | "merge"
            | "coalesce"
            | "coalescelist"
            | "compact"
            | "keys"
            | "values"
            | "element"
            | "lookup"
            | "flatten"
            | "slice"
            | "one"
            | "tolist"
            | "tomap"
            | "contains"
            | "reverse"
            | "index"
            | "distinct"
            | "toset"
            | "alltrue"
            | "anytrue"
            | "zipmap"
            | "nonsensitive"
            | "sensitive"
    );
    if args
        .iter()
        .any(|a| a.is_unknown() || (!deep && has_unknown(a)))
    {
        return Ok(unknown(span));
    }
    let argc = args.len();
    let arity = |n: usize| if argc == n { Ok(()) } else { Err(Fail::Error) };
    let mut take = || -> Result<Node, Fail> {
        if args.is_empty() {
            Err(Fail::Error)
        } else {
            Ok(args.remove(0))
        }
    };
    let out = match name {
        "sensitive" | "nonsensitive" | "tostring" | "abspath" | "pathexpand" => {
            arity(1)?;
            let v = take()?;
            if name == "tostring" {
                match &v.value {
                    Value::Null => v,
                    Value::Seq(_) | Value::Map(_) => return Err(Fail::Error),
                    _ => string(text(&v)?, span),
                }
            } else {
                v
            }
        }
        "tonumber" => {
            arity(1)?;
            let v = take()?;
            match &v.value {
                Value::Null => v,
                Value::Int(_) | Value::Float(_) => v,
                Value::Str(s) => {
                    let t = s.trim();
                    match t.parse::<i64>() {
                        Ok(i) => node(Value::Int(i), span),
                        Err(_) => node(Value::Float(t.parse().map_err(|_| Fail::Error)?), span),
                    }
                }
                _ => return Err(Fail::Error),
            }
        }
        "tobool" => {
            arity(1)?;
            let v = take()?;
            match &v.value {
                Value::Null | Value::Bool(_) => v,
                Value::Str(s) if &**s == "true" => boolean(true, span),
                Value::Str(s) if &**s == "false" => boolean(false, span),
                _ => return Err(Fail::Error),
            }
        }
        "tolist" => {
            arity(1)?;
            let v = take()?;
            match v.value {
                Value::Seq(_) | Value::Null => v,
                _ => return Err(Fail::Error),
            }
        }
        "toset" => {
            arity(1)?;
            let v = take()?;
            match v.value {
                Value::Null => v,
                Value::Seq(items) if items.iter().any(has_unknown) => unknown(span),
                Value::Seq(items) => seq(set_of(items), v.span),
                _ => return Err(Fail::Error),
            }
        }
        "tomap" => {
            arity(1)?;
            let v = take()?;
            match v.value {
                Value::Map(_) | Value::Null => v,
                _ => return Err(Fail::Error),
            }
        }
        "length" => {
            arity(1)?;
            let v = take()?;
            let n = match &v.value {
                Value::Seq(i) => i.len(),
                Value::Map(e) => e.len(),
                Value::Str(s) => s.chars().count(),
                _ => return Err(Fail::Error),
            };
            node(Value::Int(n as i64), span)
        }
        "lower" | "upper" | "title" | "trimspace" | "chomp" | "basename" | "dirname" => {
            arity(1)?;
            let s = text(&take()?)?;
            string(
                match name {
                    "lower" => s.to_lowercase(),
                    "upper" => s.to_uppercase(),
                    "title" => s
                        .split(' ')
                        .map(|w| {
                            let mut c = w.chars();
                            c.next().map_or(String::new(), |f| {
                                f.to_uppercase().collect::<String>() + c.as_str()
                            })
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    "trimspace" => s.trim().to_string(),
                    "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
                    "basename" => s.rsplit('/').next().unwrap_or("").to_string(),
                    _ => match s.rfind('/') {
                        Some(0) => "/".into(),
                        Some(i) => s[..i].to_string(),
                        None => ".".into(),
                    },
                },
                span,
            )
        }
        "trim" | "trimprefix" | "trimsuffix" | "strcontains" | "startswith" | "endswith" => {
            arity(2)?;
            let s = text(&take()?)?;
            let t = text(&take()?)?;
            match name {
                "trim" => string(s.trim_matches(|c| t.contains(c)), span),
                "trimprefix" => string(s.strip_prefix(&*t).unwrap_or(&s), span),
                "trimsuffix" => string(s.strip_suffix(&*t).unwrap_or(&s), span),
                "strcontains" => boolean(s.contains(&*t), span),
                "startswith" => boolean(s.starts_with(&*t), span),
                _ => boolean(s.ends_with(&*t), span),
            }
        }
        "replace" => {
            arity(3)?;
            let s = text(&take()?)?;
            let from = text(&take()?)?;
            let to = text(&take()?)?;
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                let re = regex::Regex::new(&from[1..from.len() - 1]).map_err(|_| Fail::Error)?;
                string(
                    re.replace_all(&s, to.replace("$", "$$").as_str())
                        .to_string(),
                    span,
                )
            } else if from.is_empty() {
                string(s, span)
            } else {
                budget.charge((s.len() as u64 / 64) * (to.len() as u64 + 1))?;
                string(s.replace(&*from, &to), span)
            }
        }
        "substr" => {
            arity(3)?;
            let s = text(&take()?)?;
            let off = int(&take()?)?;
            let len = int(&take()?)?;
            let chars: Vec<char> = s.chars().collect();
            let n = chars.len() as i64;
            let start = if off < 0 {
                (n + off).max(0)
            } else {
                off.min(n)
            } as usize;
            let end = if len < 0 {
                n as usize
            } else {
                (start + len as usize).min(n as usize)
            };
            string(
                chars[start..end.max(start)].iter().collect::<String>(),
                span,
            )
        }
        "split" => {
            arity(2)?;
            let sep = text(&take()?)?;
            let s = text(&take()?)?;
            if s.is_empty() {
                seq(vec![string("", span)], span)
            } else if sep.is_empty() {
                return Err(Fail::Error);
            } else {
                budget.charge(s.len() as u64 / 8)?;
                seq(s.split(&*sep).map(|p| string(p, span)).collect(), span)
            }
        }
        "join" => {
            if argc < 2 {
                return Err(Fail::Error);
            }
            let sep = text(&take()?)?;
            let mut parts = Vec::new();
            for l in args {
                for i in items(l)? {
                    match to_text(&i)? {
                        Some(t) => parts.push(t),
                        None => return Ok(unknown(span)),
                    }
                }
            }
            string(parts.join(&sep), span)
        }
        "format" => {
            if argc < 1 {
                return Err(Fail::Error);
            }
            let f = text(&take()?)?;
            string(format(&f, &args)?, span)
        }
        "formatlist" => return Ok(unknown(span)),
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match a.value {
                    Value::Seq(i) => out.extend(i),
                    _ => return Err(Fail::Error),
                }
            }
            seq(out, span)
        }
        "merge" => {
            let mut all = Vec::new();
            for a in args {
                match a.value {
                    Value::Null => {}
                    Value::Map(e) => all.extend(e),
                    _ => return Err(Fail::Error),
                }
            }
            object(all, span)
        }
        "coalesce" => {
            for a in args {
                match &a.value {
                    Value::Null => {}
                    Value::Str(s) if s.is_empty() => {}
                    Value::Unknown => return Ok(unknown(span)),
                    _ => return Ok(a),
                }
            }
            return Err(Fail::Error);
        }
        "coalescelist" => {
            for a in args {
                match &a.value {
                    Value::Seq(i) if i.is_empty() => {}
                    Value::Seq(_) => return Ok(a),
                    Value::Null => {}
                    _ => return Err(Fail::Error),
                }
            }
            return Err(Fail::Error);
        }
        "compact" => {
            arity(1)?;
            let mut out = Vec::new();
            for i in items(take()?)? {
                match &i.value {
                    Value::Null => {}
                    Value::Str(s) if s.is_empty() => {}
                    Value::Unknown => return Ok(unknown(span)),
                    _ => out.push(i),
                }
            }
            seq(out, span)
        }
        "keys" | "values" => {
            arity(1)?;
            let e = entries(take()?)?;
            let mut e = e;
            e.sort_by(|a, b| a.key.cmp(&b.key));
            seq(
                e.into_iter()
                    .map(|e| {
                        if name == "keys" {
                            string(e.key, e.key_span)
                        } else {
                            e.value
                        }
                    })
                    .collect(),
                span,
            )
        }
        "lookup" => {
            if !(2..=3).contains(&argc) {
                return Err(Fail::Error);
            }
            let m = entries(take()?)?;
            let k = take()?;
            let Some(key) = to_text(&k)? else {
                return Ok(unknown(span));
            };
            match m.into_iter().rev().find(|e| *e.key == *key) {
                Some(e) => e.value,
                None if argc == 3 => take()?,
                None => return Err(Fail::Error),
            }
        }
        "contains" => {
            arity(2)?;
            let l = take()?;
            let v = take()?;
            let Value::Seq(list) = l.value else {
                return Err(Fail::Error);
            };
            if has_unknown(&v) {
                return Ok(unknown(span));
            }
            if list.iter().any(|i| i.value.same_as(&v.value)) {
                boolean(true, span)
            } else if list.iter().any(has_unknown) {
                unknown(span)
            } else {
                boolean(false, span)
            }
        }
        "index" => {
            arity(2)?;
            let list = items(take()?)?;
            let v = take()?;
            match list.iter().position(|i| i.value.same_as(&v.value)) {
                Some(p) => node(Value::Int(p as i64), span),
                None if list.iter().any(has_unknown) => unknown(span),
                None => return Err(Fail::Error),
            }
        }
        "flatten" => {
            arity(1)?;
            fn flat(n: Node, out: &mut Vec<Node>, depth: u32) -> Result<bool, Fail> {
                if depth > 64 {
                    return Err(Fail::Error);
                }
                match n.value {
                    Value::Seq(items) => {
                        for i in items {
                            if !flat(i, out, depth + 1)? {
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    }
                    Value::Unknown => Ok(false),
                    _ => {
                        out.push(n);
                        Ok(true)
                    }
                }
            }
            let mut out = Vec::new();
            if !flat(take()?, &mut out, 0)? {
                return Ok(unknown(span));
            }
            seq(out, span)
        }
        "distinct" => {
            arity(1)?;
            let list = items(take()?)?;
            if list.iter().any(has_unknown) {
                return Ok(unknown(span));
            }
            let mut out: Vec<Node> = Vec::new();
            for i in list {
                if !out.iter().any(|o| o.value.same_as(&i.value)) {
                    out.push(i);
                }
            }
            seq(out, span)
        }
        "reverse" => {
            arity(1)?;
            let mut l = items(take()?)?;
            l.reverse();
            seq(l, span)
        }
        "sort" => {
            arity(1)?;
            let l = items(take()?)?;
            let mut t: Vec<String> = l.iter().map(text).collect::<Result<_, _>>()?;
            t.sort();
            seq(t.into_iter().map(|s| string(s, span)).collect(), span)
        }
        "element" => {
            arity(2)?;
            let mut l = items(take()?)?;
            let i = int(&take()?)?;
            if l.is_empty() || i < 0 {
                return Err(Fail::Error);
            }
            let at = (i as usize) % l.len();
            l.swap_remove(at)
        }
        "slice" => {
            arity(3)?;
            let l = items(take()?)?;
            let a = usize::try_from(int(&take()?)?).map_err(|_| Fail::Error)?;
            let b = usize::try_from(int(&take()?)?).map_err(|_| Fail::Error)?;
            if a > b || b > l.len() {
                return Err(Fail::Error);
            }
            seq(l.into_iter().skip(a).take(b - a).collect(), span)
        }
        "one" => {
            arity(1)?;
            let v = take()?;
            match v.value {
                Value::Null => v,
                Value::Seq(mut i) if i.len() <= 1 => i.pop().unwrap_or(node(Value::Null, span)),
                _ => return Err(Fail::Error),
            }
        }
        "alltrue" | "anytrue" => {
            arity(1)?;
            let l = items(take()?)?;
            let want = name == "anytrue";
            let mut undecided = false;
            for i in &l {
                match &i.value {
                    Value::Bool(b) if *b == want => return Ok(boolean(want, span)),
                    Value::Bool(_) => {}
                    Value::Str(s) if **s == *want.to_string() => return Ok(boolean(want, span)),
                    Value::Str(_) => {}
                    Value::Unknown => undecided = true,
                    _ => return Err(Fail::Error),
                }
            }
            if undecided {
                unknown(span)
            } else {
                boolean(!want, span)
            }
        }
        "setsubtract" | "setunion" | "setintersection" => {
            if argc < 1 {
                return Err(Fail::Error);
            }
            let mut sets = Vec::new();
            for a in args {
                let l = items(a)?;
                if l.iter().any(has_unknown) {
                    return Ok(unknown(span));
                }
                sets.push(l);
            }
            let mut first = sets.remove(0);
            match name {
                "setunion" => {
                    for s in sets {
                        first.extend(s);
                    }
                }
                "setsubtract" => {
                    for s in &sets {
                        first.retain(|x| !s.iter().any(|y| x.value.same_as(&y.value)));
                    }
                }
                _ => {
                    for s in &sets {
                        first.retain(|x| s.iter().any(|y| x.value.same_as(&y.value)));
                    }
                }
            }
            seq(set_of(first), span)
        }
        "zipmap" => {
            arity(2)?;
            let k = items(take()?)?;
            let v = items(take()?)?;
            if k.len() != v.len() {
                return Err(Fail::Error);
            }
            let mut e = Vec::new();
            for (k, v) in k.into_iter().zip(v) {
                let Some(key) = to_text(&k)? else {
                    return Ok(unknown(span));
                };
                e.push(Entry {
                    key: key.into(),
                    key_span: k.span,
                    value: v,
                });
            }
            object(e, span)
        }
        "range" => {
            let nums: Vec<f64> = args.iter().map(float).collect::<Result<_, _>>()?;
            let (start, end, step) = match nums[..] {
                [e] => (0.0, e, 1.0),
                [s, e] => (s, e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (s, e, st),
                _ => return Err(Fail::Error),
            };
            if step == 0.0 || !step.is_finite() || !start.is_finite() || !end.is_finite() {
                return Err(Fail::Error);
            }
            let count = ((end - start) / step).ceil().max(0.0);
            // Charged before anything is made: `range(1e12)` is refused, not built.
            budget.charge(count as u64)?;
            seq(
                (0..count as u64)
                    .map(|i| num(start + step * i as f64, span))
                    .collect(),
                span,
            )
        }
        "max" | "min" | "sum" => {
            let list = if name == "sum" {
                arity(1)?;
                items(take()?)?
            } else {
                args
            };
            let v: Vec<f64> = list.iter().map(float).collect::<Result<_, _>>()?;
            if v.is_empty() {
                return Err(Fail::Error);
            }
            let r = match name {
                "max" => v.iter().copied().fold(f64::MIN, f64::max),
                "min" => v.iter().copied().fold(f64::MAX, f64::min),
                _ => v.iter().sum(),
            };
            num(r, span)
        }
        "floor" | "ceil" | "abs" | "signum" => {
            arity(1)?;
            let f = float(&take()?)?;
            num(
                match name {
                    "floor" => f.floor(),
                    "ceil" => f.ceil(),
                    "abs" => f.abs(),
                    _ => f.signum(),
                },
                span,
            )
        }
        "parseint" => {
            arity(2)?;
            let s = text(&take()?)?;
            let base = u32::try_from(int(&take()?)?).map_err(|_| Fail::Error)?;
            if !(2..=36).contains(&base) {
                return Err(Fail::Error);
            }
            node(
                Value::Int(i64::from_str_radix(&s, base).map_err(|_| Fail::Error)?),
                span,
            )
        }
        "regex" | "regexall" => {
            arity(2)?;
            let re = regex::RegexBuilder::new(&text(&take()?)?)
                .size_limit(1 << 20)
                .build()
                .map_err(|_| Fail::Error)?;
            let s = text(&take()?)?;
            let one = |c: regex::Captures<'_>| -> Node {
                let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
                if names.is_empty() {
                    return string(c.get(0).map_or("", |m| m.as_str()), span);
                }
                if names.iter().all(Option::is_some) {
                    let e = names
                        .iter()
                        .flatten()
                        .map(|n| Entry {
                            key: (*n).into(),
                            key_span: span,
                            value: string(c.name(n).map_or("", |m| m.as_str()), span),
                        })
                        .collect();
                    return object(e, span);
                }
                seq(
                    (1..c.len())
                        .map(|i| string(c.get(i).map_or("", |m| m.as_str()), span))
                        .collect(),
                    span,
                )
            };
            if name == "regex" {
                one(re.captures(&s).ok_or(Fail::Error)?)
            } else {
                seq(re.captures_iter(&s).map(one).collect(), span)
            }
        }
        "jsonencode" => {
            arity(1)?;
            let v = take()?;
            if has_unknown(&v) {
                return Ok(unknown(span));
            }
            string(
                serde_json::to_string(&v.to_json()).map_err(|_| Fail::Error)?,
                span,
            )
        }
        "jsondecode" => {
            arity(1)?;
            let s = text(&take()?)?;
            budget.charge(s.len() as u64 / 4)?;
            let j: serde_json::Value = serde_json::from_str(&s).map_err(|_| Fail::Error)?;
            from_json(&j, span, 0)?
        }
        "base64encode" => {
            arity(1)?;
            string(base64_encode(text(&take()?)?.as_bytes()), span)
        }
        "base64decode" => {
            arity(1)?;
            let b = base64_decode(&text(&take()?)?).ok_or(Fail::Error)?;
            string(String::from_utf8(b).map_err(|_| Fail::Error)?, span)
        }
        _ => return Ok(unknown(span)),
    };
    Ok(out)
}

/// A JSON value as a tree spanned at `span`.
pub fn from_json(j: &serde_json::Value, span: Span, depth: u32) -> R {
    use serde_json::Value as J;
    if depth > 128 {
        return Err(Fail::Error);
    }
    Ok(match j {
        J::Null => node(Value::Null, span),
        J::Bool(b) => boolean(*b, span),
        J::Number(n) => match n.as_i64() {
            Some(i) => node(Value::Int(i), span),
            None => node(Value::Float(n.as_f64().unwrap_or(0.0)), span),
        },
        J::String(s) => string(s.as_str(), span),
        J::Array(a) => seq(
            a.iter()
                .map(|x| from_json(x, span, depth + 1))
                .collect::<Result<_, _>>()?,
            span,
        ),
        J::Object(o) => object(
            o.iter()
                .map(|(k, v)| {
                    Ok(Entry {
                        key: k.as_str().into(),
                        key_span: span,
                        value: from_json(v, span, depth + 1)?,
                    })
                })
                .collect::<Result<_, Fail>>()?,
            span,
        ),
    })
}

/// Go's `fmt` verbs as Terraform's `format` has them: `%s %d %v %t %q %f` with width and
/// precision, `%%`.
fn format(f: &str, args: &[Node]) -> Result<String, Fail> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let verb = loop {
            match chars.next() {
                Some(ch) if ch.is_ascii_digit() || matches!(ch, '.' | '-' | '+' | '#' | ' ') => {
                    spec.push(ch)
                }
                Some(ch) => break ch,
                None => return Err(Fail::Error),
            }
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next).ok_or(Fail::Error)?;
        next += 1;
        let left = spec.starts_with('-');
        let zero = spec.trim_start_matches('-').starts_with('0');
        let (width, prec) = {
            let s = spec.trim_start_matches(['-', '+', '#', ' ']);
            let (w, p) = match s.split_once('.') {
                Some((w, p)) => (w, Some(p.parse::<usize>().unwrap_or(0))),
                None => (s, None),
            };
            (w.parse::<usize>().unwrap_or(0), p)
        };
        let body = match verb {
            's' | 'v' => match &arg.value {
                Value::Seq(_) | Value::Map(_) if verb == 'v' => {
                    serde_json::to_string(&arg.to_json()).map_err(|_| Fail::Error)?
                }
                _ => {
                    let s = text(arg)?;
                    match prec {
                        Some(p) => s.chars().take(p).collect(),
                        None => s,
                    }
                }
            },
            'q' => serde_json::to_string(&text(arg)?).map_err(|_| Fail::Error)?,
            't' => match &arg.value {
                Value::Bool(b) => b.to_string(),
                _ => return Err(Fail::Error),
            },
            'd' => int(arg)?.to_string(),
            'f' => {
                let v = float(arg)?;
                format!("{v:.*}", prec.unwrap_or(6))
            }
            'g' | 'e' => format_float(float(arg)?),
            'x' => format!("{:x}", int(arg)?),
            'X' => format!("{:X}", int(arg)?),
            _ => return Err(Fail::Error),
        };
        let pad = width.saturating_sub(body.chars().count());
        if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(if zero { '0' } else { ' ' }, pad));
            out.push_str(&body);
        }
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        string(v, Span::default())
    }

    fn run(name: &str, args: Vec<Node>) -> R {
        call(name, args, Span::default(), &Budget::new(1_000_000))
    }

    #[test]
    fn strings_and_collections() {
        assert_eq!(run("lower", vec![s("AbC")]).unwrap().as_str(), Some("abc"));
        assert_eq!(
            run(
                "format",
                vec![
                    s("%s-%03d"),
                    s("aks"),
                    Node::new(Value::Int(7), Span::default())
                ]
            )
            .unwrap()
            .as_str(),
            Some("aks-007")
        );
        let l = run("split", vec![s(","), s("a,b,a")]).unwrap();
        assert_eq!(
            run("distinct", vec![l.clone()])
                .unwrap()
                .as_seq()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            run("join", vec![s("-"), l]).unwrap().as_str(),
            Some("a-b-a")
        );
        assert_eq!(base64_decode(&base64_encode(b"hello!")).unwrap(), b"hello!");
        assert_eq!(
            run("replace", vec![s("a-b-c"), s("/-+/"), s("_")])
                .unwrap()
                .as_str(),
            Some("a_b_c")
        );
    }

    #[test]
    fn unknown_arguments_make_unknown_results_unless_decided() {
        let u = unknown(Span::default());
        assert!(run("lower", vec![u.clone()]).unwrap().is_unknown());
        let list = seq(vec![u, s("x")], Span::default());
        assert_eq!(
            run("contains", vec![list.clone(), s("x")]).unwrap().value,
            Value::Bool(true)
        );
        assert!(
            run("contains", vec![list.clone(), s("y")])
                .unwrap()
                .is_unknown()
        );
        assert_eq!(run("length", vec![list]).unwrap().value, Value::Int(2));
        assert!(run("uuid", vec![]).unwrap().is_unknown());
    }

    #[test]
    fn range_is_charged_before_it_is_built() {
        let b = Budget::new(1000);
        let r = call(
            "range",
            vec![Node::new(Value::Int(1_000_000_000_000), Span::default())],
            Span::default(),
            &b,
        );
        assert_eq!(r, Err(Fail::Budget));
        assert!(b.exceeded.get());
    }
}
