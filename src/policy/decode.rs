//! Reading a policy file's spanned tree into the compiled form, with errors that point at the
//! offending node.

use super::path::Path;
use super::schema::*;
use super::template::Template;
use crate::model::{Entry, Format, Node, Span, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

type Result<T> = std::result::Result<T, DecodeError>;

fn err<T>(span: Span, message: impl Into<String>) -> Result<T> {
    Err(DecodeError {
        span,
        message: message.into(),
        help: None,
    })
}

fn err_help<T>(span: Span, message: impl Into<String>, help: impl Into<String>) -> Result<T> {
    Err(DecodeError {
        span,
        message: message.into(),
        help: Some(help.into()),
    })
}

/// A mapping whose keys are checked against a known set.
struct Fields<'a> {
    node: &'a Node,
    entries: &'a [Entry],
}

impl<'a> Fields<'a> {
    fn new(node: &'a Node, what: &str, allowed: &[&str]) -> Result<Self> {
        let Some(entries) = node.as_map() else {
            return err(
                node.span,
                format!("{what} must be a mapping, found {}", node.value.type_name()),
            );
        };
        for e in entries {
            if !allowed.contains(&&*e.key) {
                return err_help(
                    e.key_span,
                    format!("unknown key `{}` in {what}", e.key),
                    format!("expected one of: {}", allowed.join(", ")),
                );
            }
        }
        Ok(Fields { node, entries })
    }

    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .rev()
            .find(|e| &*e.key == key)
            .map(|e| &e.value)
    }

    fn required(&self, key: &str, what: &str) -> Result<&'a Node> {
        match self.get(key) {
            Some(n) => Ok(n),
            None => err(self.node.head_span(), format!("{what} is missing `{key}`")),
        }
    }

    fn string(&self, key: &str, what: &str) -> Result<String> {
        string(self.required(key, what)?, key)
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>> {
        self.get(key).map(|n| string(n, key)).transpose()
    }
}

fn string(n: &Node, key: &str) -> Result<String> {
    match &n.value {
        Value::Str(s) => Ok(s.to_string()),
        v => err(
            n.span,
            format!("`{key}` must be a string, found {}", v.type_name()),
        ),
    }
}

fn boolean(n: &Node, key: &str) -> Result<bool> {
    match n.value {
        Value::Bool(b) => Ok(b),
        ref v => err(
            n.span,
            format!("`{key}` must be true or false, found {}", v.type_name()),
        ),
    }
}

fn strings(n: &Node, key: &str) -> Result<Vec<(String, Span)>> {
    match &n.value {
        Value::Str(s) => Ok(vec![(s.to_string(), n.span)]),
        Value::Seq(items) => items
            .iter()
            .map(|i| string(i, key).map(|s| (s, i.span)))
            .collect(),
        v => err(
            n.span,
            format!(
                "`{key}` must be a string or a list of strings, found {}",
                v.type_name()
            ),
        ),
    }
}

const POLICY_KEYS: &[&str] = &[
    "id",
    "name",
    "area",
    "severity",
    "title",
    "message",
    "help",
    "docs",
    "references",
    "settings",
    "checks",
];

pub fn policy(root: &Node, origin: &str, builtin: bool) -> Result<Policy> {
    let f = Fields::new(root, "a policy", POLICY_KEYS)?;
    let id_node = f.required("id", "the policy")?;
    let id = string(id_node, "id")?;
    if !id
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
        || id.is_empty()
    {
        return err(
            id_node.span,
            format!("policy id `{id}` must be upper-case letters and digits (e.g. NET001)"),
        );
    }
    let name_node = f.required("name", "the policy")?;
    let name = string(name_node, "name")?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return err(
            name_node.span,
            format!("policy name `{name}` must be kebab-case"),
        );
    }
    let area_node = f.required("area", "the policy")?;
    let area = string(area_node, "area")?
        .parse::<Area>()
        .or_else(|e| err(area_node.span, e))?;
    let sev_node = f.required("severity", "the policy")?;
    let severity = string(sev_node, "severity")?
        .parse::<Severity>()
        .or_else(|e| err(sev_node.span, e))?;
    let msg_node = f.required("message", "the policy")?;
    let message =
        Template::parse(&string(msg_node, "message")?).or_else(|e| err(msg_node.span, e))?;
    let references = match f.get("references") {
        Some(n) => strings(n, "references")?
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        None => Vec::new(),
    };
    let mut settings = std::collections::BTreeMap::new();
    if let Some(sn) = f.get("settings") {
        let Some(entries) = sn.as_map() else {
            return err(
                sn.span,
                "`settings` maps setting names to their default values",
            );
        };
        for e in entries {
            let values = strings(&e.value, &e.key)?
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            settings.insert(e.key.to_string(), values);
        }
    }
    let checks_node = f.required("checks", "the policy")?;
    let Some(items) = checks_node.as_seq() else {
        return err(checks_node.span, "`checks` must be a list");
    };
    let checks = items
        .iter()
        .map(|c| check(c, &settings))
        .collect::<Result<Vec<_>>>()?;
    Ok(Policy {
        id,
        name,
        area,
        severity,
        title: f.string("title", "the policy")?,
        message,
        help: f.string("help", "the policy")?,
        docs: Docs::new(f.opt_string("docs")?.unwrap_or_default()),
        references,
        checks,
        settings,
        origin: origin.to_string(),
        builtin,
    })
}

const CHECK_KEYS: &[&str] = &[
    "on", "for_each", "when", "require", "forbid", "message", "report",
];

type Settings = std::collections::BTreeMap<String, Vec<String>>;

fn check(n: &Node, settings: &Settings) -> Result<Check> {
    let f = Fields::new(n, "a check", CHECK_KEYS)?;
    let on_node = f.required("on", "the check")?;
    let on = selector(on_node)?;
    let for_each = match f.get("for_each") {
        None => Vec::new(),
        Some(fe) => strings(fe, "for_each")?
            .into_iter()
            .map(|(s, span)| for_each_paths(&s, &on, span))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect(),
    };
    let for_each_objects_only = f
        .get("for_each")
        .is_some_and(|fe| fe.as_str() == Some("containers"));
    let cond_of = |key: &str| f.get(key).map(|c| cond(c, on.format, settings)).transpose();
    let when = cond_of("when")?;
    let require = cond_of("require")?;
    let forbid = cond_of("forbid")?;
    if require.is_none() && forbid.is_none() {
        return err(n.head_span(), "a check needs `require` or `forbid`");
    }
    if when.as_ref().is_some_and(Cond::has_related) {
        return err(
            f.get("when").map_or(n.span, |w| w.span),
            "`related` tests belong in `require` or `forbid`, not in `when`",
        );
    }
    let message = match f.get("message") {
        Some(m) => Some(Template::parse(&string(m, "message")?).or_else(|e| err(m.span, e))?),
        None => None,
    };
    let report = match f.get("report") {
        None => Report::Each,
        Some(r) => match string(r, "report")?.as_str() {
            "each" => Report::Each,
            "once-per-namespace" => Report::OncePerNamespace,
            "once-per-resource" => Report::OncePerResource,
            other => {
                return err(
                    r.span,
                    format!(
                        "unknown report mode `{other}` (expected each, once-per-namespace or once-per-resource)"
                    ),
                );
            }
        },
    };
    let needs_index = require.as_ref().is_some_and(Cond::has_related)
        || forbid.as_ref().is_some_and(Cond::has_related);
    Ok(Check {
        on,
        for_each,
        for_each_objects_only,
        when: Lazy::new(when),
        require: Lazy::new(require),
        forbid: Lazy::new(forbid),
        message,
        report,
        needs_index,
    })
}

fn for_each_paths(text: &str, on: &Selector, span: Span) -> Result<Vec<Path>> {
    if text == "containers" {
        if on.format != Format::Kubernetes {
            return err(
                span,
                "`for_each: containers` applies to Kubernetes workloads only",
            );
        }
        return Ok(["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .map(|c| Path::parse(&format!("$pod.spec.{c}[*]")).expect("valid built-in path"))
            .collect());
    }
    let p = Path::parse(text).or_else(|e| err(span, e))?;
    if !p.has_wildcard() {
        return err_help(
            span,
            format!("`for_each: {text}` does not iterate anything"),
            "use a path with `[*]` (e.g. `rules[*]`) or `containers`",
        );
    }
    Ok(vec![p])
}

fn format_of(word: &str) -> Option<Format> {
    match word {
        "kubernetes" | "k8s" => Some(Format::Kubernetes),
        "arm" => Some(Format::Arm),
        "terraform" | "tf" => Some(Format::Terraform),
        _ => None,
    }
}

fn selector(n: &Node) -> Result<Selector> {
    let text = string(n, "on")?;
    let (fmt, rest) = text
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((text.trim(), ""));
    let Some(format) = format_of(fmt) else {
        return err_help(
            n.span,
            format!("unknown format `{fmt}` in `on`"),
            "write `on: kubernetes <kinds>`, `on: arm <type>` or `on: terraform <type>`",
        );
    };
    let kinds = kind_set(rest.trim(), n.span, format)?;
    Ok(Selector { format, kinds })
}

fn kind_set(text: &str, span: Span, format: Format) -> Result<KindSet> {
    match text {
        "" => err(
            span,
            "name the kinds: a kind, `[KindA, KindB]`, `workload` or `*`",
        ),
        "*" => Ok(KindSet::Any),
        "workload" => Ok(KindSet::Workload),
        _ => {
            let inner = text
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .unwrap_or(text);
            let kinds = inner
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| kind_name(k, format))
                .collect::<Vec<_>>();
            if kinds.is_empty() {
                return err(span, "empty kind list");
            }
            Ok(KindSet::Kinds(kinds))
        }
    }
}

/// Kubernetes: `Kind` or `group/Kind` (`aadpodidentity.k8s.io/AzureIdentity`,
/// `projectcalico.org/GlobalNetworkPolicy`). ARM and Terraform: the whole type
/// (`Microsoft.ContainerService/managedClusters`).
fn kind_name(text: &str, format: Format) -> KindName {
    match text.rsplit_once('/') {
        Some((g, k)) if format == Format::Kubernetes => KindName {
            group: Some(g.to_string()),
            kind: k.to_string(),
        },
        _ => KindName {
            group: None,
            kind: text.to_string(),
        },
    }
}

const OPS: &[&str] = &[
    "equals",
    "not_equals",
    "in",
    "not_in",
    "exists",
    "not_empty",
    "contains",
    "matches",
    "not_matches",
    "gt",
    "lt",
    "since",
    "before",
    "cidr_wider_than",
    "is_guid",
    "looks_like_secret",
    "refers_to",
    "binds",
    "registry_in",
];

fn cond(n: &Node, format: Format, settings: &Settings) -> Result<Cond> {
    let Some(entries) = n.as_map() else {
        return err(
            n.span,
            format!(
                "a condition must be a mapping, found {}",
                n.value.type_name()
            ),
        );
    };
    let first = entries.first().map(|e| &*e.key);
    let list = |v: &Node, key: &str| -> Result<Vec<Cond>> {
        let Some(items) = v.as_seq() else {
            return err(v.span, format!("`{key}` takes a list of conditions"));
        };
        if items.is_empty() {
            return err(v.span, format!("`{key}` needs at least one condition"));
        }
        items.iter().map(|i| cond(i, format, settings)).collect()
    };
    match first {
        Some(k @ ("all" | "any" | "not" | "related")) => {
            if entries.len() > 1 {
                return err(
                    entries[1].key_span,
                    format!("`{k}` must be the only key of its condition"),
                );
            }
            let v = &entries[0].value;
            Ok(match k {
                "all" => Cond::All(list(v, k)?),
                "any" => Cond::Any(list(v, k)?),
                "not" => Cond::Not(Box::new(cond(v, format, settings)?)),
                _ => Cond::Related(Box::new(related(v, format, settings)?)),
            })
        }
        _ => leaf(n, settings).map(Cond::Leaf),
    }
}

fn leaf(n: &Node, settings: &Settings) -> Result<Leaf> {
    let mut allowed = vec!["path", "default"];
    allowed.extend_from_slice(OPS);
    let f = Fields::new(n, "a test", &allowed)?;
    let Some(path_node) = f.get("path") else {
        return err_help(
            n.head_span(),
            "a test needs a `path`",
            "a condition is `all`, `any`, `not`, `related`, or `{path: ..., <test>: ...}`",
        );
    };
    let paths = strings(path_node, "path")?
        .into_iter()
        .map(|(s, span)| Path::parse(&s).or_else(|e| err(span, e)))
        .collect::<Result<Vec<_>>>()?;
    if paths.is_empty() {
        return err(path_node.span, "`path` needs at least one path");
    }
    let ops: Vec<&Entry> = f
        .entries
        .iter()
        .filter(|e| OPS.contains(&&*e.key))
        .collect();
    let op_entry = match ops.as_slice() {
        [one] => *one,
        [] => {
            return err_help(
                n.head_span(),
                "a test needs exactly one operator",
                format!("one of: {}", OPS.join(", ")),
            );
        }
        [_, second, ..] => return err(second.key_span, "a test takes exactly one operator"),
    };
    let v = &op_entry.value;
    let number = |v: &Node| -> Result<f64> {
        v.value
            .as_f64()
            .filter(|_| !matches!(v.value, Value::Str(_)))
            .map_or_else(
                || err(v.span, format!("`{}` takes a number", op_entry.key)),
                Ok,
            )
    };
    let regex = |v: &Node| -> Result<LazyRegex> {
        let pattern = string(v, &op_entry.key)?;
        LazyRegex::new(&pattern)
            .or_else(|e| err(v.span, format!("invalid regular expression: {e}")))
    };
    let list = |v: &Node| -> Result<Vec<Node>> {
        match v.as_seq() {
            Some(items) => Ok(items.to_vec()),
            None => err(v.span, format!("`{}` takes a list of values", op_entry.key)),
        }
    };
    let op = match &*op_entry.key {
        "equals" => Op::Equals(v.clone()),
        "not_equals" => Op::NotEquals(v.clone()),
        "in" => Op::In(list(v)?),
        "not_in" => Op::NotIn(list(v)?),
        "exists" => Op::Exists(boolean(v, "exists")?),
        "not_empty" => Op::NotEmpty(boolean(v, "not_empty")?),
        "contains" => Op::Contains(v.clone()),
        "matches" => Op::Matches(regex(v)?),
        "not_matches" => Op::NotMatches(regex(v)?),
        "gt" => Op::Gt(number(v)?),
        "lt" => Op::Lt(number(v)?),
        "since" | "before" => {
            let Some(s) = v.as_str().filter(|s| !s.is_empty()) else {
                return err(
                    v.span,
                    "`since` and `before` take a version such as \"2022-06-01\"",
                );
            };
            if &*op_entry.key == "since" {
                Op::Since(s.into())
            } else {
                Op::Before(s.into())
            }
        }
        "cidr_wider_than" => {
            let bits = match &v.value {
                Value::Int(i) => Some(*i),
                Value::Str(s) => s.trim_start_matches('/').parse().ok(),
                _ => None,
            };
            match bits {
                Some(b @ 0..=128) => Op::CidrWiderThan(b as u8),
                _ => {
                    return err(
                        v.span,
                        "`cidr_wider_than` takes a prefix length such as 8 or \"/8\"",
                    );
                }
            }
        }
        "is_guid" => Op::IsGuid(boolean(v, "is_guid")?),
        "looks_like_secret" => Op::LooksLikeSecret(boolean(v, "looks_like_secret")?),
        "refers_to" => match v.as_str() {
            Some("self") => Op::RefersToSelf,
            _ => return err(v.span, "`refers_to` takes `self`"),
        },
        "binds" => match v.as_str() {
            Some("self") => Op::BindsSelf,
            _ => return err(v.span, "`binds` takes `self`"),
        },
        "registry_in" => {
            let (setting, patterns) = match &v.value {
                Value::Str(name) => match settings.get(&**name) {
                    Some(defaults) => (Some(name.to_string()), defaults.clone()),
                    None => {
                        return err_help(
                            v.span,
                            format!("`registry_in: {name}` names no setting of this policy"),
                            "declare it under `settings:` with its default patterns, or give a list of patterns",
                        );
                    }
                },
                _ => (
                    None,
                    strings(v, "registry_in")?
                        .into_iter()
                        .map(|(p, _)| p)
                        .collect(),
                ),
            };
            Op::RegistryIn(Patterns::new(setting, patterns).or_else(|e| err(v.span, e))?)
        }
        _ => unreachable!("filtered to OPS"),
    };
    Ok(Leaf {
        paths,
        op,
        default: f.get("default").cloned(),
    })
}

const RELATED_KEYS: &[&str] = &[
    "kind",
    "type",
    "format",
    "namespace",
    "name",
    "where",
    "require",
    "forbid",
    "missing",
    "none_scanned",
];

fn related(n: &Node, subject_format: Format, settings: &Settings) -> Result<Related> {
    let f = Fields::new(n, "`related`", RELATED_KEYS)?;
    let format = match f.get("format") {
        Some(fm) => {
            let s = string(fm, "format")?;
            format_of(&s).map_or_else(|| err(fm.span, format!("unknown format `{s}`")), Ok)?
        }
        None => subject_format,
    };
    let kinds_node = f.get("kind").or_else(|| f.get("type")).map_or_else(
        || err(n.head_span(), "`related` needs `kind` (or `type`)"),
        Ok,
    )?;
    let kinds = match &kinds_node.value {
        Value::Seq(_) => KindSet::Kinds(
            strings(kinds_node, "kind")?
                .iter()
                .map(|(s, _)| kind_name(s, format))
                .collect(),
        ),
        _ => kind_set(&string(kinds_node, "kind")?, kinds_node.span, format)?,
    };
    let (same_namespace, namespace_from) = match f.get("namespace") {
        None => (false, None),
        Some(ns) if ns.as_map().is_some() => (false, Some(name_from(ns, "`namespace`")?)),
        Some(ns) => match string(ns, "namespace")?.as_str() {
            "same" => (true, None),
            "any" => (false, None),
            other => {
                return err(
                    ns.span,
                    format!("`namespace` is `same`, `any` or {{path, capture}}, not `{other}`"),
                );
            }
        },
    };
    let name = f
        .get("name")
        .map(|nm| name_from(nm, "`name`"))
        .transpose()?;
    let sub = |key: &str| f.get(key).map(|c| cond(c, format, settings)).transpose();
    let where_ = sub("where")?;
    let require = sub("require")?;
    let forbid = sub("forbid")?;
    for c in [&where_, &require, &forbid].into_iter().flatten() {
        if c.has_related() {
            return err(n.span, "`related` cannot be nested inside `related`");
        }
    }
    let verdict = |key: &str| -> Result<Option<Option<bool>>> {
        match f.get(key) {
            None => Ok(None),
            Some(m) => match &m.value {
                Value::Bool(b) => Ok(Some(Some(*b))),
                Value::Str(s) if &**s == "unknown" => Ok(Some(None)),
                _ => err(m.span, format!("`{key}` is true, false or unknown")),
            },
        }
    };
    let missing = verdict("missing")?.flatten();
    let none_scanned = verdict("none_scanned")?;
    Ok(Related {
        format,
        kinds,
        same_namespace,
        name,
        where_,
        require,
        forbid,
        missing,
        namespace_from,
        none_scanned,
    })
}

/// `name:` / `namespace:` of a relation: a path, or `{path, default, capture}`.
fn name_from(nm: &Node, what: &str) -> Result<NameFrom> {
    if let Value::Str(s) = &nm.value {
        return Ok(NameFrom {
            paths: vec![Path::parse(s).or_else(|e| err(nm.span, e))?],
            default: None,
            capture: None,
        });
    }
    let nf = Fields::new(nm, what, &["path", "default", "capture"])?;
    let p = nf.required("path", what)?;
    let capture = match nf.get("capture") {
        None => None,
        Some(c) => {
            let text = string(c, "capture")?;
            let re =
                LazyRegex::new(&text).or_else(|e| err(c.span, format!("invalid regex: {e}")))?;
            if re.capture_groups() < 1 {
                return err(c.span, "`capture` needs a group: `(...)`");
            }
            Some(re)
        }
    };
    Ok(NameFrom {
        paths: strings(p, "path")?
            .into_iter()
            .map(|(s, span)| Path::parse(&s).or_else(|e| err(span, e)))
            .collect::<Result<_>>()?,
        default: nf.opt_string("default")?,
        capture,
    })
}
