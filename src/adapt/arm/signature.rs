//! What Azure Resource Manager rejects before deploying anything: a function it does not
//! have, a known function called with the wrong number of arguments, or with arguments of a
//! type it cannot take (when those arguments are known). Such an expression is an AKL001
//! finding at its string; only that value becomes unknown.
//!
//! Only certain rejections are listed: argument counts from the function reference
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>),
//! and types ARM never converts (`length(1)`, `not('x')`, `int('abc')`).

use crate::model::{Node, Value};

/// Every ARM template function, in lower case, with its (minimum, maximum) argument count
/// (`u8::MAX`: any number).
const FUNCTIONS: &[(&str, u8, u8)] = &[
    // Array and object
    ("array", 1, 1),
    ("concat", 1, u8::MAX),
    ("contains", 2, 2),
    ("createarray", 0, u8::MAX),
    ("createobject", 0, u8::MAX),
    ("empty", 1, 1),
    ("first", 1, 1),
    ("flatten", 1, 1),
    ("indexfromend", 2, 2),
    ("indexof", 2, 2),
    ("intersection", 1, u8::MAX),
    ("items", 1, 1),
    ("json", 1, 1),
    ("last", 1, 1),
    ("lastindexof", 2, 2),
    ("length", 1, 1),
    ("max", 1, u8::MAX),
    ("min", 1, u8::MAX),
    ("null", 0, 0),
    ("objectkeys", 1, 1),
    ("range", 2, 2),
    ("shallowmerge", 1, 1),
    ("skip", 2, 2),
    ("take", 2, 2),
    ("tryget", 2, u8::MAX),
    ("trygetvalue", 2, u8::MAX),
    ("tryindexfromend", 2, 2),
    ("union", 1, u8::MAX),
    // Lambdas
    ("filter", 2, 2),
    ("groupby", 2, 2),
    ("lambda", 1, u8::MAX),
    ("lambdavariables", 1, 1),
    ("map", 2, 2),
    ("mapvalues", 2, 2),
    ("reduce", 3, 3),
    ("sort", 2, 2),
    ("toobject", 2, 3),
    // Comparison and logic
    ("and", 1, u8::MAX),
    ("bool", 1, 1),
    ("coalesce", 1, u8::MAX),
    ("equals", 2, 2),
    ("false", 0, 0),
    ("greater", 2, 2),
    ("greaterorequals", 2, 2),
    ("if", 3, 3),
    ("less", 2, 2),
    ("lessorequals", 2, 2),
    ("not", 1, 1),
    ("or", 1, u8::MAX),
    ("true", 0, 0),
    // CIDR
    ("cidrhost", 2, 2),
    ("cidrsubnet", 3, 3),
    ("parsecidr", 1, 1),
    // Date
    ("datetimeadd", 2, 3),
    ("datetimefromepoch", 1, 1),
    ("datetimetoepoch", 1, 1),
    ("utcnow", 0, 1),
    // Deployment
    ("deployer", 0, 0),
    ("deployment", 0, 0),
    ("environment", 0, 0),
    ("externalinputs", 1, 1),
    ("parameters", 1, 1),
    ("variables", 1, 1),
    // Numeric
    ("add", 2, 2),
    ("copyindex", 0, 2),
    ("div", 2, 2),
    ("float", 1, 1),
    ("int", 1, 1),
    ("mod", 2, 2),
    ("mul", 2, 2),
    ("sub", 2, 2),
    // Resource
    ("extensionresourceid", 3, u8::MAX),
    ("managementgroup", 0, 1),
    ("managementgroupresourceid", 2, u8::MAX),
    ("pickzones", 3, 5),
    ("providers", 1, 2),
    ("reference", 1, 3),
    ("references", 0, 2),
    ("resourcegroup", 0, 0),
    ("resourceid", 2, u8::MAX),
    ("subscription", 0, 0),
    ("subscriptionresourceid", 2, u8::MAX),
    ("tenant", 0, 0),
    ("tenantresourceid", 2, u8::MAX),
    // String
    ("base64", 1, 1),
    ("base64tojson", 1, 1),
    ("base64tostring", 1, 1),
    ("builduri", 1, 1),
    ("datauri", 1, 1),
    ("datauritostring", 1, 1),
    ("endswith", 2, 2),
    ("format", 1, u8::MAX),
    ("guid", 1, u8::MAX),
    ("join", 2, 2),
    ("newguid", 0, 0),
    ("padleft", 2, 3),
    ("parseuri", 1, 1),
    ("replace", 3, 3),
    ("split", 2, 2),
    ("startswith", 2, 2),
    ("string", 1, 1),
    ("substring", 2, 3),
    ("tolower", 1, 1),
    ("toupper", 1, 1),
    ("trim", 1, 1),
    ("uniquestring", 1, u8::MAX),
    ("uri", 2, 2),
    ("uricomponent", 1, 1),
    ("uricomponenttostring", 1, 1),
    // Bicep evaluates this one at compile time; compiled JSON may still name it.
    ("readenvironmentvariable", 1, 2),
];

/// Whether ARM has a function of this (lower-case) name: `list*` resource functions
/// (`listKeys`, `listSecrets`, `listAccountSas`, ...) included.
pub fn is_known(name: &str) -> bool {
    name.starts_with("list") || arity(name).is_some()
}

fn arity(name: &str) -> Option<(u8, u8)> {
    FUNCTIONS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, min, max)| (min, max))
}

/// Why ARM rejects calling the known function `name` (lower case) with `n` arguments.
pub fn count_rejection(name: &str, n: usize) -> Option<String> {
    let (min, max) = arity(name)?;
    if n >= usize::from(min) && (max == u8::MAX || n <= usize::from(max)) {
        return None;
    }
    let expected = match (min, max) {
        (a, b) if a == b => format!("{a}"),
        (a, u8::MAX) => format!("at least {a}"),
        (a, b) => format!("{a} to {b}"),
    };
    Some(format!(
        "`{name}` takes {expected} argument{}, not {n}",
        if expected == "1" { "" } else { "s" }
    ))
}

/// Why ARM rejects calling `name` (lower case, known) with the values `args`, if it does.
/// Arguments that are unknown are never the reason.
pub fn rejection(name: &str, args: &[Node]) -> Option<String> {
    let kind = |i: usize| args.get(i).map(|a| &a.value);
    let bad = |what: &str, i: usize| {
        Some(format!(
            "`{name}` cannot take {} as argument {} (it needs {what})",
            args[i].value.kind_phrase(),
            i + 1
        ))
    };
    match name {
        "length" | "empty" => match kind(0) {
            Some(Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                bad("a string, array or object", 0)
            }
            _ => None,
        },
        "not" => match kind(0) {
            Some(Value::Str(s))
                if !s.eq_ignore_ascii_case("true") && !s.eq_ignore_ascii_case("false") =>
            {
                bad("a boolean", 0)
            }
            Some(Value::Seq(_) | Value::Map(_)) => bad("a boolean", 0),
            _ => None,
        },
        "tolower" | "toupper" | "trim" | "split" | "startswith" | "endswith" | "replace"
        | "substring" | "base64" | "uricomponent" => match kind(0) {
            Some(Value::Seq(_) | Value::Map(_)) => bad("a string", 0),
            _ => None,
        },
        "int" => match kind(0) {
            Some(Value::Str(s)) if s.trim().parse::<i64>().is_err() => Some(format!(
                "`int` cannot convert the string `{}` to an integer",
                truncate(s)
            )),
            Some(Value::Seq(_) | Value::Map(_)) => bad("a string or number", 0),
            _ => None,
        },
        "add" | "sub" | "mul" | "div" | "mod" => {
            for i in 0..2 {
                if let Some(Value::Str(_) | Value::Seq(_) | Value::Map(_) | Value::Bool(_)) =
                    kind(i)
                {
                    return bad("an integer", i);
                }
            }
            match (name, kind(1)) {
                ("div" | "mod", Some(Value::Int(0))) => Some(format!("`{name}` by zero")),
                _ => None,
            }
        }
        "createobject" if args.len() % 2 == 1 => Some(
            "`createObject` takes pairs of keys and values (an even number of arguments)".into(),
        ),
        "json" => match kind(0) {
            Some(Value::Str(s)) if serde_json::from_str::<serde_json::Value>(s).is_err() => {
                Some(format!("`json` cannot parse `{}`", truncate(s)))
            }
            _ => None,
        },
        "concat" => {
            // Arrays concatenate with arrays, everything else as strings.
            let arrays = args
                .iter()
                .filter(|a| matches!(a.value, Value::Seq(_)))
                .count();
            let known = args
                .iter()
                .filter(|a| !matches!(a.value, Value::Unknown | Value::Null))
                .count();
            if arrays > 0 && arrays < known {
                Some("`concat` cannot join arrays with strings or numbers".into())
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Why ARM rejects reading property `name` of `target` (a known value) with `.name`.
pub fn member_rejection(target: &Node, name: &str) -> Option<String> {
    match &target.value {
        Value::Map(_) if target.entry_ignore_case(name).is_none() => {
            let mut keys: Vec<&str> = target
                .as_map()
                .unwrap_or_default()
                .iter()
                .map(|e| &*e.key)
                .collect();
            keys.truncate(8);
            Some(if keys.is_empty() {
                format!("property `{name}` does not exist: the object is empty")
            } else {
                format!(
                    "property `{name}` does not exist; available: {}",
                    keys.join(", ")
                )
            })
        }
        Value::Map(_) | Value::Unknown => None,
        other => Some(format!(
            "property `{name}` cannot be read from {}",
            other.kind_phrase()
        )),
    }
}

/// Why ARM rejects `target[index]` (both known).
pub fn index_rejection(target: &Node, index: &Node) -> Option<String> {
    match (&target.value, &index.value) {
        (Value::Unknown, _) | (_, Value::Unknown) => None,
        (Value::Seq(items), Value::Int(i)) => match usize::try_from(*i) {
            Ok(k) if k < items.len() => None,
            _ => Some(format!(
                "index {i} is out of bounds of an array of {} element{}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            )),
        },
        (Value::Map(_), Value::Str(k)) => member_rejection(target, k),
        (Value::Seq(_), other) => Some(format!(
            "an array cannot be indexed by {}",
            other.kind_phrase()
        )),
        (Value::Map(_), other) => Some(format!(
            "an object cannot be indexed by {}",
            other.kind_phrase()
        )),
        (other, _) => Some(format!("{} cannot be indexed", other.kind_phrase())),
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
