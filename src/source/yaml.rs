//! A spanned YAML loader built on saphyr-parser's pull iterator.
//!
//! It is iterative (no recursion, so deep nesting cannot overflow the stack), caps depth,
//! expands aliases under a node budget (alias bombs are refused, not expanded), applies `<<`
//! merge keys as go-yaml does, and records duplicate keys instead of failing on them.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::scalar::{self, Schema};
use super::{Brackets, Limits, dedupe_entries, first_level_past, has_duplicate_key};
use crate::model::{Entry, Node, Pos, Span, Value};

/// Everything read from one YAML stream; `error` is set when reading stopped early, and the
/// documents before it are still returned.
#[derive(Debug, Default)]
pub struct YamlStream {
    pub docs: Vec<Node>,
    pub duplicates: Vec<DuplicateKey>,
    pub error: Option<LoadError>,
}

pub use super::DuplicateKey;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("{message}")]
    Syntax { pos: Pos, message: String },
    #[error("nesting deeper than {limit} levels")]
    TooDeep { pos: Pos, limit: usize },
    #[error("alias expansion exceeds {limit} nodes (possible alias bomb)")]
    AliasBudget { pos: Pos, limit: usize },
    #[error("more than {limit} nodes in one file; the rest was not read")]
    NodeBudget { pos: Pos, limit: usize },
}

impl LoadError {
    pub fn pos(&self) -> Pos {
        match self {
            LoadError::Syntax { pos, .. }
            | LoadError::TooDeep { pos, .. }
            | LoadError::AliasBudget { pos, .. }
            | LoadError::NodeBudget { pos, .. } => *pos,
        }
    }

    /// True for the refusals that protect the linter (AKL003) rather than syntax errors.
    pub fn is_limit(&self) -> bool {
        !matches!(self, LoadError::Syntax { .. })
    }
}

fn pos(m: &Marker) -> Pos {
    Pos::new(m.line() as u32, m.col() as u32 + 1)
}

fn span(s: &saphyr_parser::Span) -> Span {
    Span::new(pos(&s.start), pos(&s.end))
}

enum Frame {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(Box<str>, Span)>,
        has_merge: bool,
    },
}

struct Builder {
    schema: Schema,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    /// Nodes of the documents kept so far and of the one being read.
    nodes: usize,
    /// `nodes` when the current document started.
    doc_start: usize,
    /// Documents the caller will not use are dropped as soon as they are complete.
    keep: fn(&Node) -> bool,
    /// A key written twice keeps its first value instead of its last (`load_shadowed`).
    keep_first: bool,
    docs: Vec<Node>,
    duplicates: Vec<DuplicateKey>,
    /// Character index where the last event received ends.
    last_end: usize,
}

/// Loads every document of a YAML stream.
pub fn load(text: &str, schema: Schema, limits: Limits) -> YamlStream {
    load_kept(text, schema, limits, |_| true)
}

/// Loads a YAML stream keeping only the documents `keep` accepts: each other document is
/// replaced by a null at its place as soon as it is complete, so its tree never adds up
/// with the rest, and its nodes do not count towards `max_nodes`.
pub fn load_kept(
    text: &str,
    schema: Schema,
    limits: Limits,
    keep: fn(&Node) -> bool,
) -> YamlStream {
    load_with(text, schema, limits, keep, false)
}

/// `load_kept` in which a key written twice in one mapping keeps its *first* value: the
/// documents as a reader that takes the first would see them. kubectl keeps the last, but
/// the shadowed value is still linted, so duplicating a key cannot hide a finding.
pub fn load_shadowed(
    text: &str,
    schema: Schema,
    limits: Limits,
    keep: fn(&Node) -> bool,
) -> YamlStream {
    load_with(text, schema, limits, keep, true)
}

fn load_with(
    text: &str,
    schema: Schema,
    limits: Limits,
    keep: fn(&Node) -> bool,
    keep_first: bool,
) -> YamlStream {
    let mut b = Builder {
        schema,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        nodes: 0,
        doc_start: 0,
        keep,
        keep_first,
        docs: Vec::new(),
        duplicates: Vec::new(),
        last_end: 0,
    };
    let error = b.run(text).err();
    YamlStream {
        docs: b.docs,
        duplicates: b.duplicates,
        error,
    }
}

impl Builder {
    fn run(&mut self, text: &str) -> Result<(), LoadError> {
        for item in Parser::new_from_str(text) {
            let (event, ev_span) = item.map_err(|e| {
                // saphyr-parser's own cap on flow nesting: a limit, not a syntax error.
                if e.info().contains("recursion limit") {
                    LoadError::TooDeep {
                        pos: self.past_limit(text).unwrap_or_else(|| pos(e.marker())),
                        limit: self.limits.max_depth,
                    }
                } else {
                    LoadError::Syntax {
                        pos: pos(e.marker()),
                        message: e.info().to_string(),
                    }
                }
            })?;
            let sp = span(&ev_span);
            self.last_end = ev_span.end.index();
            match event {
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    self.doc_start = self.nodes;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = self.stack.last_mut()
                    {
                        *key = Some((text.into_owned().into_boxed_str(), sp));
                        continue;
                    }
                    let value = match &tag {
                        Some(t) if t.is_yaml_core_schema() => {
                            scalar::resolve_tagged(&text, &t.suffix, self.schema)
                        }
                        _ if style == ScalarStyle::Plain => {
                            scalar::resolve_plain(&text, self.schema)
                        }
                        _ => Value::Str(cow_box(text)),
                    };
                    self.complete(Node::new(value, sp), anchor)?;
                }
                Event::Alias(id) => {
                    let Some(target) = self.anchors.get(&id) else {
                        return Err(LoadError::Syntax {
                            pos: sp.start,
                            message: "alias to an unknown anchor".into(),
                        });
                    };
                    if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = self.stack.last_mut()
                    {
                        *key = Some((target.value.to_string().into_boxed_str(), sp));
                        continue;
                    }
                    let copied = target.count();
                    self.alias_nodes += copied;
                    // The copy's nodes beyond the one `complete` counts.
                    self.nodes += copied - 1;
                    if self.alias_nodes > self.limits.max_alias_nodes {
                        return Err(LoadError::AliasBudget {
                            pos: sp.start,
                            limit: self.limits.max_alias_nodes,
                        });
                    }
                    // Findings inside an alias point at the alias, where this copy is used.
                    let mut node = target.clone();
                    respan(&mut node, sp);
                    self.complete(node, 0)?;
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if self.stack.len() >= self.limits.max_depth {
                        return Err(LoadError::TooDeep {
                            pos: sp.start,
                            limit: self.limits.max_depth,
                        });
                    }
                    self.stack
                        .push(if matches!(event, Event::SequenceStart(..)) {
                            Frame::Seq {
                                span: sp,
                                anchor,
                                items: Vec::new(),
                            }
                        } else {
                            Frame::Map {
                                span: sp,
                                anchor,
                                entries: Vec::new(),
                                key: None,
                                has_merge: false,
                            }
                        });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let frame = self
                        .stack
                        .pop()
                        .expect("parser balances start and end events");
                    let (node, anchor) = self.finish(frame, sp)?;
                    self.complete(node, anchor)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Where nesting first goes past the limit, when saphyr-parser stopped on its own cap
    /// (256 nested flow collections, which it reports at the 256th however deep the block
    /// nesting around them is, and which it may meet while looking ahead, before the events
    /// of the collections that enclose it). The text after the last event received is
    /// scanned from the depth reached there.
    #[cold]
    fn past_limit(&self, text: &str) -> Option<Pos> {
        let from = if text.is_ascii() {
            self.last_end.min(text.len())
        } else {
            text.char_indices()
                .nth(self.last_end)
                .map_or(text.len(), |(b, _)| b)
        };
        let at = first_level_past(
            text,
            from,
            self.stack.len(),
            self.limits.max_depth,
            Brackets::YamlFlow,
        )?;
        let before = &text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Some(Pos::new(
            before.matches('\n').count() as u32 + 1,
            before[line_start..].chars().count() as u32 + 1,
        ))
    }

    fn finish(&mut self, frame: Frame, end: Span) -> Result<(Node, usize), LoadError> {
        Ok(match frame {
            Frame::Seq {
                mut span,
                anchor,
                items,
            } => {
                span.end = items.last().map_or(end.end, |n| n.span.end.max(span.start));
                (Node::new(Value::Seq(items), span), anchor)
            }
            Frame::Map {
                mut span,
                anchor,
                entries,
                has_merge,
                ..
            } => {
                span.end = entries.last().map_or(end.end, |e| e.value.span.end);
                let entries = if has_merge {
                    resolve_mapping(entries, self.keep_first, &mut self.duplicates)?
                } else if has_duplicate_key(&entries) {
                    dedupe_entries(entries, self.keep_first, &mut self.duplicates)
                } else {
                    entries
                };
                (Node::new(Value::Map(entries), span), anchor)
            }
        })
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(LoadError::NodeBudget {
                pos: node.span.start,
                limit: self.limits.max_nodes,
            });
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None if !(self.keep)(&node) => {
                self.nodes = self.doc_start;
                self.docs.push(Node::new(Value::Null, node.span));
            }
            None => {
                self.docs.push(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                has_merge,
                ..
            }) => match key.take() {
                Some((k, key_span)) => {
                    if &*k == "<<" {
                        *has_merge = true;
                    }
                    entries.push(Entry {
                        key: k,
                        key_span,
                        value: node,
                    });
                }
                None => {
                    // A complex (non-scalar) key: keep its text form so the map stays a map.
                    *key = Some((node.value.to_string().into_boxed_str(), node.span));
                }
            },
        }
        Ok(())
    }
}

fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| respan(n, span)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = span;
                respan(&mut e.value, span);
            }
        }
        _ => {}
    }
}

fn cow_box(c: Cow<'_, str>) -> Box<str> {
    match c {
        Cow::Borrowed(s) => s.into(),
        Cow::Owned(s) => s.into_boxed_str(),
    }
}

/// A mapping as go-yaml v2 (kubectl's and Helm's YAML reader) decodes it (`decoder.mapping`
/// and `decoder.merge` in yaml.v2's decode.go): the pairs in order, each setting its key over
/// whatever is there; a `<<` key merges — a mapping (or an alias of one) sets each of its keys,
/// a sequence of them is applied from the last to the first (so earlier ones win over later
/// ones) — and anything else as its value is an error. So `privileged: false` then
/// `<<: {privileged: true}` is `true`, two `<<` keys both apply in turn, and a key after a
/// merge overrides it. A key *written* twice is recorded as a duplicate (a merge setting a
/// key is not one) and keeps its last value, or its first with `keep_first`. Positions: a key
/// keeps the place it first took.
fn resolve_mapping(
    entries: Vec<Entry>,
    keep_first: bool,
    duplicates: &mut Vec<DuplicateKey>,
) -> Result<Vec<Entry>, LoadError> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut at: HashMap<Box<str>, usize> = HashMap::with_capacity(entries.len());
    // Where each key was first written (not merged): what a repeat is a duplicate of.
    let mut written: HashMap<Box<str>, Span> = HashMap::new();
    let mut set = |e: Entry, out: &mut Vec<Entry>| match at.get(&e.key) {
        Some(&i) => out[i] = e,
        None => {
            at.insert(e.key.clone(), out.len());
            out.push(e);
        }
    };
    for e in entries {
        if &*e.key != "<<" {
            if let Some(first) = written.get(&e.key) {
                duplicates.push(DuplicateKey {
                    key: e.key.to_string(),
                    first: *first,
                    second: e.key_span,
                });
                if keep_first {
                    continue;
                }
            } else {
                written.insert(e.key.clone(), e.key_span);
            }
            set(e, &mut out);
            continue;
        }
        let want_map = || LoadError::Syntax {
            pos: e.key_span.start,
            message: "map merge requires map or sequence of maps as the value".into(),
        };
        match e.value.value {
            Value::Map(m) => m.into_iter().for_each(|me| set(me, &mut out)),
            Value::Seq(items) => {
                if items.iter().any(|n| !matches!(n.value, Value::Map(_))) {
                    return Err(want_map());
                }
                for n in items.into_iter().rev() {
                    if let Value::Map(m) = n.value {
                        m.into_iter().for_each(|me| set(me, &mut out));
                    }
                }
            }
            _ => return Err(want_map()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let s = load(text, Schema::Yaml11, Limits::default());
        assert_eq!(s.error, None);
        s.docs.into_iter().next().unwrap()
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let doc = one("a:\n  b: yes\n  c: \"yes\"\n");
        let a = doc.entry("a").unwrap();
        assert_eq!(a.key_span.start, Pos::new(1, 1));
        let b = a.value.entry("b").unwrap();
        assert_eq!(b.key_span.start, Pos::new(2, 3));
        assert_eq!(b.value.span.start, Pos::new(2, 6));
        assert_eq!(b.value.value, Value::Bool(true));
        let c = a.value.get("c").unwrap();
        assert_eq!(c.value, Value::Str("yes".into()));
        assert_eq!(c.span.start, Pos::new(3, 6));
    }

    #[test]
    fn crlf_keeps_columns() {
        let doc = one("a: 1\r\nbb: x\r\n");
        assert_eq!(doc.get("bb").unwrap().span.start, Pos::new(2, 5));
    }

    #[test]
    fn merges_apply_in_order_as_go_yaml_v2() {
        let get = |text: &str, key: &str| -> Value {
            let s = load(text, Schema::Yaml11, Limits::default());
            assert_eq!(s.error, None, "{text}");
            s.docs[0].get("d").unwrap().get(key).unwrap().value.clone()
        };
        // A merge after a key overrides it; a key after a merge overrides the merge.
        let bad = "bad: &bad {privileged: true}\n";
        assert_eq!(
            get(
                &format!("{bad}d:\n  privileged: false\n  <<: *bad\n"),
                "privileged"
            ),
            Value::Bool(true)
        );
        assert_eq!(
            get(
                "d:\n  privileged: false\n  <<: {privileged: true}\n",
                "privileged"
            ),
            Value::Bool(true)
        );
        assert_eq!(
            get(
                &format!("{bad}d:\n  <<: *bad\n  privileged: false\n"),
                "privileged"
            ),
            Value::Bool(false)
        );
        // Two `<<` keys apply in turn, the later over the earlier, and are no duplicate.
        let two = "d:\n  <<: {a: 1, b: 1}\n  <<: {b: 2}\n";
        assert_eq!(get(two, "a"), Value::Int(1));
        assert_eq!(get(two, "b"), Value::Int(2));
        assert!(
            load(two, Schema::Yaml11, Limits::default())
                .duplicates
                .is_empty()
        );
        // In a sequence, earlier maps take precedence over later ones.
        let seq = "x: &x {a: 1}\ny: &y {a: 2, b: 2}\nd:\n  <<: [*x, *y]\n";
        assert_eq!(get(seq, "a"), Value::Int(1));
        assert_eq!(get(seq, "b"), Value::Int(2));
        // Nested: the anchored map's own merge is resolved first.
        let nested = "a: &a {k: 1}\nb: &b {<<: *a, k: 2, m: 3}\nd: {<<: *b}\n";
        assert_eq!(get(nested, "k"), Value::Int(2));
        assert_eq!(get(nested, "m"), Value::Int(3));
    }

    #[test]
    fn a_merge_of_anything_but_maps_is_an_error() {
        for text in [
            "d:\n  <<: 5\n",
            "s: &s scalar\nd:\n  <<: *s\n",
            "d:\n  <<: [{a: 1}, 2]\n",
        ] {
            let s = load(text, Schema::Yaml11, Limits::default());
            match s.error {
                Some(LoadError::Syntax { message, .. }) => {
                    assert_eq!(
                        message,
                        "map merge requires map or sequence of maps as the value"
                    )
                }
                e => panic!("{text}: {e:?}"),
            }
        }
    }

    #[test]
    fn the_shadowed_load_keeps_the_first_value_of_a_repeated_key() {
        let text = "d:\n  privileged: true\n  privileged: false\n";
        let last = load(text, Schema::Yaml11, Limits::default());
        let first = load_shadowed(text, Schema::Yaml11, Limits::default(), |_| true);
        assert_eq!(
            last.docs[0]
                .get("d")
                .unwrap()
                .get("privileged")
                .unwrap()
                .value,
            Value::Bool(false)
        );
        let kept = first.docs[0].get("d").unwrap().get("privileged").unwrap();
        assert_eq!(kept.value, Value::Bool(true));
        assert_eq!(kept.span.start, Pos::new(2, 15));
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let s = load(
            "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  y: 4\n",
            Schema::Yaml11,
            Limits::default(),
        );
        let d = s.docs[0].get("d").unwrap();
        assert_eq!(d.get("x").unwrap().value, Value::Int(1));
        assert_eq!(d.get("y").unwrap().value, Value::Int(4));
        assert_eq!(s.duplicates.len(), 1);
        assert_eq!(s.duplicates[0].second.start, Pos::new(5, 3));
        // Merged values are located at the alias that brought them in.
        assert_eq!(d.get("x").unwrap().span.start, Pos::new(3, 7));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in "bcdefghij".chars() {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            text.push_str(&format!("{c}: &{c} [{refs}]\n"));
            prev = c;
        }
        let s = load(&text, Schema::Yaml11, Limits::default());
        assert!(matches!(s.error, Some(LoadError::AliasBudget { .. })));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let text = "- ".repeat(100_000) + "x";
        let s = load(&text, Schema::Yaml11, Limits::default());
        assert!(matches!(
            s.error,
            Some(LoadError::TooDeep { limit: 256, .. })
        ));
    }

    #[test]
    fn deep_flow_nesting_points_at_the_first_level_past_the_limit() {
        let at = |text: &str| match load(text, Schema::Yaml11, Limits::default()).error {
            Some(LoadError::TooDeep { pos, limit: 256 }) => pos,
            e => panic!("{e:?}"),
        };
        // saphyr-parser stops at the 256th flow level itself.
        let seq = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(at(&seq), Pos::new(1, 257));
        let map = format!("{}1{}", "{a: ".repeat(300), "}".repeat(300));
        assert_eq!(at(&map), Pos::new(1, 4 * 256 + 1));
        // Inside block nesting: level 257 is a shallower flow level.
        let block = format!("a:\n  b:\n    - {}\n", "[".repeat(300));
        assert_eq!(at(&block), Pos::new(3, 7 + 254 - 1));
        // Strings, comments and multi-line flow on the way.
        let mixed = format!(
            "k: [\n  '[[', \"]]\", # ]]]\n  {}{}\n",
            "[".repeat(200),
            "{x: é, y: ".repeat(100)
        );
        assert_eq!(at(&mixed), Pos::new(3, 3 + 200 + 10 * 54));
        // Exactly 256 levels is within the limit, but saphyr-parser cannot read it: it is
        // refused where saphyr-parser stopped.
        let exact = format!("{}{}", "[".repeat(256), "]".repeat(256));
        assert_eq!(at(&exact), Pos::new(1, 256));
    }

    #[test]
    fn syntax_errors_keep_earlier_documents() {
        let s = load("a: 1\n---\nb: [\n", Schema::Yaml11, Limits::default());
        assert_eq!(s.docs.len(), 1);
        assert!(matches!(s.error, Some(LoadError::Syntax { .. })));
    }
}
