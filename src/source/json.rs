//! A spanned JSON loader on jsonc-parser (which also accepts the comments ARM templates allow).

use jsonc_parser::ast;

use super::detect::{JsonKind, classify_json, is_kubernetes_object};
use super::{
    Brackets, DuplicateKey, Limits, LineIndex, dedupe_entries, first_level_past, has_duplicate_key,
};
use crate::model::{Entry, Node, Pos, Span, Value};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JsonError {
    #[error("{message}")]
    Syntax { pos: Pos, message: String },
    #[error("nesting deeper than {limit} levels")]
    TooDeep { pos: Pos, limit: usize },
    #[error("more than {limit} nodes in one file; it was not read")]
    NodeBudget { pos: Pos, limit: usize },
    /// In a document whose consumer rejects duplicates (Kubernetes, Azure); `pos` is the
    /// second key.
    #[error("duplicate key `{key}` (first at line {first_line}); {consequence}")]
    DuplicateKey {
        pos: Pos,
        key: String,
        first_line: u32,
        consequence: &'static str,
    },
}

impl JsonError {
    /// True for the refusals that protect the linter (AKL003) rather than syntax errors.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            JsonError::TooDeep { .. } | JsonError::NodeBudget { .. }
        )
    }

    pub fn pos(&self) -> Pos {
        match self {
            JsonError::Syntax { pos, .. }
            | JsonError::TooDeep { pos, .. }
            | JsonError::NodeBudget { pos, .. }
            | JsonError::DuplicateKey { pos, .. } => *pos,
        }
    }
}

/// One JSON document and the duplicate keys met in it (in text order; the last value of a
/// duplicated key is the one kept, as Kubernetes' and Azure's decoders would if they allowed
/// them).
#[derive(Debug, Default)]
pub struct JsonDocument {
    /// `None` for an empty (or comment-only) text.
    pub root: Option<Node>,
    pub duplicates: Vec<DuplicateKey>,
}

/// Parses one JSON document. An empty (or comment-only) text gives `Ok(None)`.
///
/// A duplicate key is an error (at the second key) in a Kubernetes object, an ARM template and
/// an ARM parameters file, which the API server and Azure refuse; other JSON (`package.json`)
/// keeps the last value silently. [`load_document`] returns the duplicates instead.
pub fn load(text: &str, lines: &LineIndex, limits: Limits) -> Result<Option<Node>, JsonError> {
    let doc = load_document(text, lines, limits)?;
    if let (Some(root), Some(dup)) = (&doc.root, doc.duplicates.first())
        && let Some(consequence) = duplicate_consequence(root)
    {
        return Err(JsonError::DuplicateKey {
            pos: dup.second.start,
            key: dup.key.clone(),
            first_line: dup.first.start.line,
            consequence,
        });
    }
    Ok(doc.root)
}

/// Who refuses `root` when it has a duplicate key.
/// What becomes of a document like `root` with a duplicate key, when it matters: kubectl
/// decodes a manifest keeping the last value (the object it sends has no duplicates left),
/// Azure Resource Manager refuses a template or parameters file.
pub fn duplicate_consequence(root: &Node) -> Option<&'static str> {
    if is_kubernetes_object(root) {
        return Some(
            "kubectl keeps the last value, other readers may take the first: both are linted",
        );
    }
    match classify_json(root) {
        JsonKind::ArmTemplate | JsonKind::ArmParameters => Some("Azure rejects the document"),
        _ => None,
    }
}

/// Parses one JSON document, returning its duplicate keys rather than refusing them.
pub fn load_document(
    text: &str,
    lines: &LineIndex,
    limits: Limits,
) -> Result<JsonDocument, JsonError> {
    load_with(text, lines, limits, false)
}

/// `load_document` in which a repeated key keeps its *first* value (linted as well, so a
/// duplicate cannot hide a finding).
pub fn load_shadowed(
    text: &str,
    lines: &LineIndex,
    limits: Limits,
) -> Result<JsonDocument, JsonError> {
    load_with(text, lines, limits, true)
}

fn load_with(
    text: &str,
    lines: &LineIndex,
    limits: Limits,
    keep_first: bool,
) -> Result<JsonDocument, JsonError> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..Default::default()
    };
    // jsonc-parser builds its whole tree before we see it: count first, refuse before it.
    if let Some(at) = past_node_budget(text, limits.max_nodes) {
        return Err(JsonError::NodeBudget {
            pos: lines.pos(text, at),
            limit: limits.max_nodes,
        });
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &options).map_err(|e| {
        match e.kind() {
            jsonc_parser::errors::ParseErrorKind::NestingDepthExceeded => {
                // jsonc-parser's own cap (512) is deeper than ours: point at our limit, as
                // the conversion below does for shallower documents.
                let at = first_level_past(text, 0, 0, limits.max_depth, Brackets::Json)
                    .unwrap_or(e.range().start);
                JsonError::TooDeep {
                    pos: lines.pos(text, at),
                    limit: limits.max_depth,
                }
            }
            kind => JsonError::Syntax {
                pos: lines.pos(text, e.range().start),
                message: kind.to_string(),
            },
        }
    })?;
    let Some(value) = parsed.value else {
        return Ok(JsonDocument::default());
    };
    let mut conv = Converter {
        text,
        lines,
        limit: limits.max_depth,
        duplicates: Vec::new(),
        keep_first,
    };
    let root = conv.node(&value, 0)?;
    let mut duplicates = conv.duplicates;
    // Found inner objects first; report in text order.
    duplicates.sort_by_key(|d| d.second.start);
    Ok(JsonDocument {
        root: Some(root),
        duplicates,
    })
}

/// The byte offset of the value that would be node `limit + 1`, counting one node per value
/// (`,`, `[`, `{` and the first value open nodes; `:` does not) outside strings and comments:
/// an upper bound of the nodes the document has.
fn past_node_budget(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut nodes = 1usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + n + 3);
            }
            b',' | b'[' | b'{' => {
                nodes += 1;
                if nodes > limit {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

struct Converter<'t> {
    text: &'t str,
    lines: &'t LineIndex,
    limit: usize,
    duplicates: Vec<DuplicateKey>,
    keep_first: bool,
}

impl Converter<'_> {
    fn span(&self, r: jsonc_parser::common::Range) -> Span {
        Span::new(
            self.lines.pos(self.text, r.start),
            self.lines.pos(self.text, r.end),
        )
    }

    // Recursion is bounded by `limit` (and jsonc-parser's own depth cap), so the stack is safe.
    fn node(&mut self, v: &ast::Value<'_>, depth: usize) -> Result<Node, JsonError> {
        let (value, range) = match v {
            ast::Value::StringLit(s) => (Value::Str(s.value.as_ref().into()), s.range),
            ast::Value::NumberLit(n) => (number(n.value), n.range),
            ast::Value::BooleanLit(b) => (Value::Bool(b.value), b.range),
            ast::Value::NullKeyword(n) => (Value::Null, n.range),
            ast::Value::Array(a) => {
                self.check_depth(depth, a.range)?;
                let items = a
                    .elements
                    .iter()
                    .map(|e| self.node(e, depth + 1))
                    .collect::<Result<_, _>>()?;
                (Value::Seq(items), a.range)
            }
            ast::Value::Object(o) => {
                self.check_depth(depth, o.range)?;
                let mut entries = Vec::with_capacity(o.properties.len());
                for p in &o.properties {
                    let (key, key_range) = match &p.name {
                        ast::ObjectPropName::String(s) => (s.value.as_ref(), s.range),
                        ast::ObjectPropName::Word(w) => (w.value, w.range),
                    };
                    entries.push(Entry {
                        key: key.into(),
                        key_span: self.span(key_range),
                        value: self.node(&p.value, depth + 1)?,
                    });
                }
                if has_duplicate_key(&entries) {
                    entries = dedupe_entries(entries, self.keep_first, &mut self.duplicates);
                }
                (Value::Map(entries), o.range)
            }
        };
        Ok(Node::new(value, self.span(range)))
    }

    fn check_depth(&self, depth: usize, r: jsonc_parser::common::Range) -> Result<(), JsonError> {
        if depth >= self.limit {
            return Err(JsonError::TooDeep {
                pos: self.lines.pos(self.text, r.start),
                limit: self.limit,
            });
        }
        Ok(())
    }
}

fn number(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Int(i);
    }
    text.parse::<f64>()
        .map_or_else(|_| Value::Str(text.into()), Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_comments() {
        let text = "// c\n{\n  \"a\": [1, true],\n  \"b\": {\"c\": null}\n}\n";
        let lines = LineIndex::new(text);
        let n = load(text, &lines, Limits::default()).unwrap().unwrap();
        let a = n.entry("a").unwrap();
        assert_eq!(a.key_span.start, Pos::new(3, 3));
        assert_eq!(a.value.as_seq().unwrap()[1].span.start, Pos::new(3, 12));
        assert!(n.get("b").unwrap().get("c").unwrap().is_null());
    }

    #[test]
    fn duplicate_keys_are_refused_where_kubernetes_or_azure_would() {
        let pod = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"metadata\": {\"name\": \"a\", \"name\": \"b\"}}";
        let lines = LineIndex::new(pod);
        let e = load(pod, &lines, Limits::default()).unwrap_err();
        assert_eq!(e.pos(), Pos::new(2, 28));
        assert_eq!(
            e.to_string(),
            "duplicate key `name` (first at line 2); kubectl keeps the last value, other readers may take the first: both are linted"
        );
        // The document itself keeps the last value, in the first one's place.
        let doc = load_document(pod, &lines, Limits::default()).unwrap();
        let meta = doc.root.unwrap();
        let meta = meta.get("metadata").unwrap().as_map().unwrap();
        assert_eq!(meta.len(), 1);
        assert_eq!(meta[0].value.as_str(), Some("b"));
        assert_eq!(doc.duplicates.len(), 1);

        let arm = "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [], \"resources\": []}";
        let lines = LineIndex::new(arm);
        let e = load(arm, &lines, Limits::default()).unwrap_err();
        assert!(e.to_string().contains("Azure rejects"), "{e}");

        // Not Kubernetes or Azure: not ours to judge; the last value wins.
        let other = "{\"name\": \"a\", \"name\": \"b\"}";
        let lines = LineIndex::new(other);
        let n = load(other, &lines, Limits::default()).unwrap().unwrap();
        assert_eq!(n.get_str("name"), Some("b"));

        // Large objects take the hashed path; the first repeat in the text is reported.
        let mut big: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        big.push("\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"".into());
        big.push("\"k3\": 0".into());
        big.push("\"k1\": 0".into());
        let big = format!("{{{}}}", big.join(",\n"));
        let lines = LineIndex::new(&big);
        let e = load(&big, &lines, Limits::default()).unwrap_err();
        assert_eq!(e.pos(), Pos::new(42, 1), "{e}");
        assert!(
            e.to_string()
                .starts_with("duplicate key `k3` (first at line 4)")
        );
    }

    #[test]
    fn too_deep_points_at_the_first_level_past_the_limit() {
        for depth in [257, 300, 512, 513, 100_000] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let lines = LineIndex::new(&text);
            let e = load(&text, &lines, Limits::default()).unwrap_err();
            assert!(
                matches!(e, JsonError::TooDeep { limit: 256, .. }),
                "{depth}"
            );
            assert_eq!(e.pos(), Pos::new(1, 257), "{depth}");
        }
        let text = format!("{}1{}", "[".repeat(256), "]".repeat(256));
        assert!(load(&text, &LineIndex::new(&text), Limits::default()).is_ok());
    }

    #[test]
    fn syntax_error_has_position() {
        let text = "{\n  \"a\": ,\n}";
        let lines = LineIndex::new(text);
        let e = load(text, &lines, Limits::default()).unwrap_err();
        assert_eq!(e.pos().line, 2);
    }
}
