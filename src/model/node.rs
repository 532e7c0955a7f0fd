use std::fmt;

use super::Span;

/// One node of the spanned value tree shared by every input format.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A value that cannot be known before deployment (ARM `reference()`, Terraform "known after apply").
    Unknown,
}

/// A mapping entry; keys are kept as text with their own span.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| &*e.key == key)
    }

    /// Case-insensitive lookup, as ARM reads property names.
    pub fn entry_ignore_case(&self, key: &str) -> Option<&Entry> {
        self.as_map()?
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown)
    }

    /// A short span to point at for a whole mapping or sequence: its `name` value (or
    /// `metadata.name`) if it has one, else its first key or element, so a diagnostic
    /// underlines one line rather than a block.
    pub fn head_span(&self) -> Span {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|e| &*e.key == "name" && e.value.as_str().is_some())
                .map(|e| e.value.span)
                .or_else(|| {
                    // A whole Kubernetes object: its `metadata.name`.
                    let name = self.get("metadata")?.get("name")?;
                    name.as_str().map(|_| name.span)
                })
                .or_else(|| entries.first().map(|e| e.key_span))
                .unwrap_or(self.span),
            Value::Seq(items) => items.first().map(Node::head_span).unwrap_or(self.span),
            _ => self.span,
        }
    }

    /// Number of nodes in this subtree (used to budget alias expansion).
    pub fn count(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|e| e.value.count()).sum::<usize>(),
            _ => 1,
        }
    }

    /// Converts to JSON (used for schema validation of policy files and for `{value}` of
    /// compound nodes).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null | Value::Unknown => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Value {
    /// Scalars as a user would write them; compounds abbreviated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::Seq(items) => write!(f, "[{} items]", items.len()),
            Value::Map(entries) => write!(f, "{{{} keys}}", entries.len()),
            Value::Unknown => f.write_str("(known after deployment)"),
        }
    }
}

impl Value {
    /// What kind of value this is, in JSON's words with an article, for messages about JSON
    /// documents ("an object", "an array", "null"); [`Value::type_name`] uses YAML's words.
    pub fn kind_phrase(&self) -> &'static str {
        match self {
            Value::Map(_) => "an object",
            Value::Seq(_) => "an array",
            Value::Str(_) => "a string",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Unknown => "an unknown value",
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
            Value::Unknown => "unknown",
        }
    }

    /// Equality as policies compare values: typed, with integers and floats compared numerically.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                (*a as f64) == *b
            }
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.value.same_as(&y.value))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.key == y.key && x.value.value.same_as(&y.value.value))
            }
            _ => self == other,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}
