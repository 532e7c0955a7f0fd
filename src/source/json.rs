//! A spanned JSON loader on jsonc-parser (which also accepts the comments ARM templates allow).

use jsonc_parser::ast;

use super::{Limits, LineIndex};
use crate::model::{Entry, Node, Pos, Span, Value};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JsonError {
    #[error("{message}")]
    Syntax { pos: Pos, message: String },
    #[error("nesting deeper than {limit} levels")]
    TooDeep { pos: Pos, limit: usize },
}

impl JsonError {
    pub fn pos(&self) -> Pos {
        match self {
            JsonError::Syntax { pos, .. } | JsonError::TooDeep { pos, .. } => *pos,
        }
    }
}

/// Parses one JSON document. An empty (or comment-only) text gives `Ok(None)`.
pub fn load(text: &str, lines: &LineIndex, limits: Limits) -> Result<Option<Node>, JsonError> {
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
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &options).map_err(|e| {
        let pos = lines.pos(text, e.range().start);
        match e.kind() {
            jsonc_parser::errors::ParseErrorKind::NestingDepthExceeded => JsonError::TooDeep {
                pos,
                limit: limits.max_depth,
            },
            kind => JsonError::Syntax {
                pos,
                message: kind.to_string(),
            },
        }
    })?;
    let Some(value) = parsed.value else {
        return Ok(None);
    };
    let conv = Converter {
        text,
        lines,
        limit: limits.max_depth,
    };
    conv.node(&value, 0).map(Some)
}

struct Converter<'t> {
    text: &'t str,
    lines: &'t LineIndex,
    limit: usize,
}

impl Converter<'_> {
    fn span(&self, r: jsonc_parser::common::Range) -> Span {
        Span::new(
            self.lines.pos(self.text, r.start),
            self.lines.pos(self.text, r.end),
        )
    }

    // Recursion is bounded by `limit` (and jsonc-parser's own depth cap), so the stack is safe.
    fn node(&self, v: &ast::Value<'_>, depth: usize) -> Result<Node, JsonError> {
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
    fn syntax_error_has_position() {
        let text = "{\n  \"a\": ,\n}";
        let lines = LineIndex::new(text);
        let e = load(text, &lines, Limits::default()).unwrap_err();
        assert_eq!(e.pos().line, 2);
    }
}
