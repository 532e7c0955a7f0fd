//! Turning plain YAML scalars into typed values.
//!
//! Kubernetes reads manifests through go-yaml v2 (YAML 1.1): plain `yes`/`on`/`y` are booleans
//! and `0777` is octal. Policy files use the YAML 1.2 core schema, so `on:` there stays a word.

use crate::model::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// YAML 1.1 as go-yaml v2 resolves it (Kubernetes manifests).
    Yaml11,
    /// YAML 1.2 core schema (policy and configuration files).
    Core,
}

/// Resolves a plain (unquoted, untagged) scalar.
pub fn resolve_plain(text: &str, schema: Schema) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if schema == Schema::Yaml11 {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Value::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Value::Bool(false),
            _ => {}
        }
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::Str(text.into());
    }
    if let Some(i) = parse_int(text, schema) {
        return Value::Int(i);
    }
    if let Some(f) = parse_float(text) {
        return Value::Float(f);
    }
    Value::Str(text.into())
}

/// Resolves a scalar carrying an explicit core tag such as `!!str` or `!!int`.
pub fn resolve_tagged(text: &str, suffix: &str, schema: Schema) -> Value {
    match suffix {
        "str" | "binary" | "timestamp" => Value::Str(text.into()),
        "null" => Value::Null,
        "bool" | "int" | "float" => match resolve_plain(text, schema) {
            v @ (Value::Bool(_) | Value::Int(_) | Value::Float(_)) => v,
            _ => Value::Str(text.into()),
        },
        _ => resolve_plain(text, schema),
    }
}

fn parse_int(text: &str, schema: Schema) -> Option<i64> {
    let (neg, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let cleaned;
    let body = if schema == Schema::Yaml11 && body.contains('_') {
        cleaned = body.replace('_', "");
        cleaned.as_str()
    } else {
        body
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = body.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = body.strip_prefix("0b").filter(|_| schema == Schema::Yaml11) {
        (2, b)
    } else if schema == Schema::Yaml11 && body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let magnitude = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -magnitude } else { magnitude })
}

fn parse_float(text: &str) -> Option<f64> {
    let body = text.trim_start_matches(['-', '+']);
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Only decimal notation counts: Rust's parser would also take "inf" and "nan".
    let ok = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+' | b'_'))
        && body.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    text.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_reads_kubernetes_booleans_and_octal() {
        assert_eq!(resolve_plain("yes", Schema::Yaml11), Value::Bool(true));
        assert_eq!(resolve_plain("Off", Schema::Yaml11), Value::Bool(false));
        assert_eq!(resolve_plain("y", Schema::Yaml11), Value::Bool(true));
        assert_eq!(resolve_plain("0777", Schema::Yaml11), Value::Int(511));
        assert_eq!(resolve_plain("0x1F", Schema::Yaml11), Value::Int(31));
        assert_eq!(resolve_plain("-12", Schema::Yaml11), Value::Int(-12));
        assert_eq!(resolve_plain("1e3", Schema::Yaml11), Value::Float(1000.0));
        assert_eq!(resolve_plain("~", Schema::Yaml11), Value::Null);
        assert_eq!(
            resolve_plain("1.2.3", Schema::Yaml11),
            Value::Str("1.2.3".into())
        );
        assert_eq!(
            resolve_plain("inf", Schema::Yaml11),
            Value::Str("inf".into())
        );
        assert_eq!(resolve_plain("0", Schema::Yaml11), Value::Int(0));
    }

    #[test]
    fn core_schema_keeps_yaml11_words_as_strings() {
        assert_eq!(resolve_plain("on", Schema::Core), Value::Str("on".into()));
        assert_eq!(resolve_plain("yes", Schema::Core), Value::Str("yes".into()));
        assert_eq!(resolve_plain("0777", Schema::Core), Value::Int(777));
        assert_eq!(resolve_plain("true", Schema::Core), Value::Bool(true));
    }

    #[test]
    fn tags_override_resolution() {
        assert_eq!(
            resolve_tagged("123", "str", Schema::Yaml11),
            Value::Str("123".into())
        );
        assert_eq!(
            resolve_tagged("yes", "bool", Schema::Yaml11),
            Value::Bool(true)
        );
    }
}
