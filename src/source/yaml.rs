//! A spanned YAML loader built on saphyr-parser's pull iterator.
//!
//! It is iterative (no recursion, so deep nesting cannot overflow the stack), caps depth,
//! expands aliases under a node budget (alias bombs are refused, not expanded), applies `<<`
//! merge keys as go-yaml does, and records duplicate keys instead of failing on them.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::scalar::{self, Schema};
use super::{Brackets, Limits, dedupe_entries, first_level_past, has_duplicate_key};
use crate::model::{Entry, Node, Pos, Span, Value};

/// Everything read from one YAML stream; `error` is set when reading stopped early, and the
/// documents before it are still returned.
#[derive(Debug, Default)]
pub struct YamlStream {
    pub docs: Vec<Node>,
    pub duplicates: Vec<DuplicateKey>,
    /// Keys written in a mapping and then set again by a later `<<` merge of that mapping
    /// (where the key was written): go-yaml v2 keeps the merged value, the YAML merge-key
    /// spec and go-yaml v3 the written one, which the shadowed reading lints.
    pub merged_over: Vec<Span>,
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
        /// The key waiting for its value, and whether it is a merge key.
        key: Option<(Box<str>, Span, bool)>,
        /// Indices in `entries` of the merge keys, in order.
        merges: Vec<usize>,
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
    merged_over: Vec<Span>,
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

/// `load_kept` in which a key written twice in one mapping keeps its *first* value, and a
/// key written in a mapping keeps its written value over any `<<` merge of that mapping (as
/// the YAML merge-key spec and go-yaml v3 read it): the documents as other readers may see
/// them. kubectl keeps the last value and applies merges in order, but the shadowed values
/// are still linted, so neither a duplicate nor a merge can hide a finding.
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
        merged_over: Vec::new(),
        last_end: 0,
    };
    let error = b.run(text).err();
    YamlStream {
        docs: b.docs,
        duplicates: b.duplicates,
        merged_over: b.merged_over,
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
                        let merge = is_merge_key(&text, style, tag.as_deref());
                        *key = Some((text.into_owned().into_boxed_str(), sp, merge));
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
                    match self.stack.last_mut() {
                        // An alias as a key is never a merge key, even of an anchored `<<`.
                        Some(Frame::Map {
                            key: key @ None, ..
                        }) => {
                            *key = Some((target.value.to_string().into_boxed_str(), sp, false));
                            continue;
                        }
                        // go-yaml v2 `merge`: an alias as the value of `<<` must be of a
                        // mapping (not of a sequence of them, unlike a sequence written there).
                        Some(Frame::Map {
                            key: Some((_, key_span, true)),
                            ..
                        }) if !matches!(target.value, Value::Map(_)) => {
                            return Err(want_map(key_span.start));
                        }
                        _ => {}
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
                                merges: Vec::new(),
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
                merges,
                ..
            } => {
                span.end = entries.last().map_or(end.end, |e| e.value.span.end);
                let entries = if !merges.is_empty() {
                    resolve_mapping(
                        entries,
                        &merges,
                        self.keep_first,
                        &mut self.duplicates,
                        &mut self.merged_over,
                    )?
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
                merges,
                ..
            }) => match key.take() {
                Some((k, key_span, merge)) => {
                    if merge {
                        merges.push(entries.len());
                    }
                    entries.push(Entry {
                        key: k,
                        key_span,
                        value: node,
                    });
                }
                None => {
                    // A complex (non-scalar) key: keep its text form so the map stays a map.
                    *key = Some((node.value.to_string().into_boxed_str(), node.span, false));
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

/// Whether a key scalar is a merge key, as go-yaml v2's `isMerge` decides: `<<` written plain
/// or with the non-specific tag `!`, or tagged `!!merge` however it is written. A quoted
/// `"<<"` or `!!str <<` is an ordinary key.
fn is_merge_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    text == "<<"
        && match tag {
            None => style == ScalarStyle::Plain,
            Some(t) => {
                (t.handle.is_empty() && t.suffix == "!")
                    || (t.is_yaml_core_schema() && t.suffix == "merge")
            }
        }
}

fn want_map(pos: Pos) -> LoadError {
    LoadError::Syntax {
        pos,
        message: "map merge requires map or sequence of maps as the value".into(),
    }
}

/// A mapping with merge keys (`merges`: their indices in `entries`) as go-yaml v2 (kubectl's
/// and Helm's YAML reader) decodes it (`decoder.mapping` and `decoder.merge` in yaml.v2's
/// decode.go): the pairs in order, each setting its key over whatever is there; a merge key
/// merges — a mapping (or an alias of one) sets each of its keys, a sequence of them is
/// applied from the last to the first (so earlier ones win over later ones) — and anything
/// else as its value is an error. So `privileged: false` then `<<: {privileged: true}` is
/// `true`, two `<<` keys both apply in turn, and a key after a merge overrides it. A key
/// *written* twice is recorded as a duplicate (a merge setting a key is not one) and keeps
/// its last value; a written key a later merge sets is recorded in `merged_over`.
///
/// With `keep_first` (the shadowed reading), a key written twice keeps its first value and a
/// merge never sets a key written before it (the YAML merge-key spec's reading, in which the
/// mapping's own keys override merged ones wherever they are). Positions: a key keeps the
/// place it first took.
fn resolve_mapping(
    entries: Vec<Entry>,
    merges: &[usize],
    keep_first: bool,
    duplicates: &mut Vec<DuplicateKey>,
    merged_over: &mut Vec<Span>,
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
    let mut merges = merges.iter().copied().peekable();
    for (i, e) in entries.into_iter().enumerate() {
        if merges.next_if_eq(&i).is_none() {
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
        let mut merge = |m: Vec<Entry>, out: &mut Vec<Entry>| {
            for me in m {
                match written.get(&me.key) {
                    Some(_) if keep_first => {}
                    Some(w) => {
                        merged_over.push(*w);
                        set(me, out);
                    }
                    None => set(me, out),
                }
            }
        };
        match e.value.value {
            Value::Map(m) => merge(m, &mut out),
            Value::Seq(items) => {
                if items.iter().any(|n| !matches!(n.value, Value::Map(_))) {
                    return Err(want_map(e.key_span.start));
                }
                for n in items.into_iter().rev() {
                    if let Value::Map(m) = n.value {
                        merge(m, &mut out);
                    }
                }
            }
            _ => return Err(want_map(e.key_span.start)),
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

    /// The mapping under `d` of a stream that must load.
    fn d(text: &str) -> Node {
        let s = load(text, Schema::Yaml11, Limits::default());
        assert_eq!(s.error, None, "{text}");
        s.docs.into_iter().next().unwrap().get("d").unwrap().clone()
    }

    fn val(node: &Node, key: &str) -> Value {
        node.get(key).unwrap().value.clone()
    }

    /// The error of a stream that must not load.
    fn load_error(text: &str) -> (Pos, String) {
        match load(text, Schema::Yaml11, Limits::default()).error {
            Some(LoadError::Syntax { pos, message }) => (pos, message),
            e => panic!("{text}: {e:?}"),
        }
    }

    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";

    // go-yaml v2 (sigs.k8s.io/yaml v1.4.0's goyaml.v2, which kubectl and Helm read YAML with)
    // decode.go: `mapping` walks the pairs in order, a merge key calls `merge`, which decodes
    // the merged mapping(s) into the same map; `isMerge`; `failWantMap`.

    #[test]
    fn a_merge_after_a_key_overrides_it() {
        let bad = "bad: &bad {privileged: true}\n";
        let d1 = d(&format!("{bad}d:\n  privileged: false\n  <<: *bad\n"));
        assert_eq!(val(&d1, "privileged"), Value::Bool(true));
        let d2 = d("d:\n  privileged: false\n  <<: {privileged: true}\n");
        assert_eq!(val(&d2, "privileged"), Value::Bool(true));
        // The key keeps its place; the value is the merged one, located where it is written.
        assert_eq!(d2.as_map().unwrap()[0].key, "privileged".into());
        assert_eq!(d2.get("privileged").unwrap().span.start, Pos::new(3, 20));
    }

    #[test]
    fn a_key_after_a_merge_overrides_it() {
        let d = d("bad: &bad {privileged: true}\nd:\n  <<: *bad\n  privileged: false\n");
        assert_eq!(val(&d, "privileged"), Value::Bool(false));
        assert_eq!(d.get("privileged").unwrap().span.start, Pos::new(4, 15));
    }

    #[test]
    fn two_merge_keys_apply_in_turn_and_are_no_duplicate() {
        let two = "d:\n  <<: {a: 1, b: 1}\n  <<: {b: 2}\n";
        let s = load(two, Schema::Yaml11, Limits::default());
        let d = s.docs[0].get("d").unwrap();
        assert_eq!(val(d, "a"), Value::Int(1));
        assert_eq!(val(d, "b"), Value::Int(2));
        assert!(s.duplicates.is_empty());
        assert!(s.merged_over.is_empty());
        // Nor is a key written and also merged in, either way round.
        for text in ["d:\n  <<: {a: 1}\n  a: 2\n", "d:\n  a: 2\n  <<: {a: 1}\n"] {
            assert!(
                load(text, Schema::Yaml11, Limits::default())
                    .duplicates
                    .is_empty()
            );
        }
    }

    #[test]
    fn in_a_merged_sequence_earlier_maps_win() {
        let seq = "x: &x {a: 1}\ny: &y {a: 2, b: 2, c: 2}\nd:\n  <<: [*x, *y, {c: 3, e: 3}]\n";
        let d = d(seq);
        assert_eq!(val(&d, "a"), Value::Int(1));
        assert_eq!(val(&d, "b"), Value::Int(2));
        assert_eq!(val(&d, "c"), Value::Int(2));
        assert_eq!(val(&d, "e"), Value::Int(3));
        // An empty sequence merges nothing.
        assert_eq!(self::d("d:\n  <<: []\n  a: 1\n").as_map().unwrap().len(), 1);
    }

    #[test]
    fn merges_nest() {
        // The anchored map's own merge is resolved where it is written, then merged.
        let nested = "a: &a {k: 1}\nb: &b {<<: *a, k: 2, m: 3}\nd: {<<: *b}\n";
        assert_eq!(val(&d(nested), "k"), Value::Int(2));
        assert_eq!(val(&d(nested), "m"), Value::Int(3));
        // A merge inside an inline merged map, over a key written before both.
        let inline = "d:\n  k: 0\n  <<: {k: 1, <<: {k: 2, n: 2}}\n";
        assert_eq!(val(&d(inline), "k"), Value::Int(2));
        assert_eq!(val(&d(inline), "n"), Value::Int(2));
        // In a nested mapping, the merge applies there only.
        let inner = "a: &a {privileged: true}\nd:\n  privileged: false\n  sc:\n    privileged: false\n    <<: *a\n";
        let d = d(inner);
        assert_eq!(val(&d, "privileged"), Value::Bool(false));
        assert_eq!(val(d.get("sc").unwrap(), "privileged"), Value::Bool(true));
    }

    #[test]
    fn merged_values_through_an_alias_are_located_at_the_alias() {
        let d = d("base: &b {x: 1, y: {z: 2}}\nd:\n  <<: *b\n");
        assert_eq!(d.get("x").unwrap().span.start, Pos::new(3, 7));
        assert_eq!(
            d.get("y").unwrap().get("z").unwrap().span.start,
            Pos::new(3, 7)
        );
        // An anchor defined inside a merged map is usable after it.
        let later = self::d("d:\n  <<: {a: &a {k: 1}}\n  b: *a\n");
        assert_eq!(val(later.get("b").unwrap(), "k"), Value::Int(1));
        assert_eq!(val(later.get("a").unwrap(), "k"), Value::Int(1));
    }

    #[test]
    fn a_merge_key_is_a_plain_or_merge_tagged_lt_lt() {
        let merged = |text: &str| d(text).get("a").is_some();
        assert!(merged("d:\n  <<: {a: 1}\n"));
        assert!(merged("d:\n  !!merge <<: {a: 1}\n"));
        assert!(merged("d:\n  !!merge '<<': {a: 1}\n"));
        assert!(merged("d:\n  ! \"<<\": {a: 1}\n"));
        assert!(merged("d:\n  ? <<\n  : {a: 1}\n"));
        // Quoted, `!!str` or an alias: an ordinary key holding a map.
        for text in [
            "d:\n  \"<<\": {a: 1}\n",
            "d:\n  '<<': {a: 1}\n",
            "d:\n  !!str <<: {a: 1}\n",
            "k: &k <<\nd:\n  *k : {a: 1}\n",
        ] {
            let d = d(text);
            assert!(d.get("a").is_none(), "{text}");
            assert_eq!(val(d.get("<<").unwrap(), "a"), Value::Int(1), "{text}");
        }
        // An ordinary `"<<"` key, so not a merge value error either, and a repeat of it is a
        // duplicate like any key.
        assert_eq!(val(&d("d:\n  \"<<\": 5\n"), "<<"), Value::Int(5));
        let s = load(
            "d:\n  \"<<\": 1\n  '<<': 2\n",
            Schema::Yaml11,
            Limits::default(),
        );
        assert_eq!(s.duplicates.len(), 1);
    }

    #[test]
    fn a_merge_of_anything_but_maps_is_an_error_at_the_merge_key() {
        for (text, at) in [
            ("d:\n  <<: 5\n", Pos::new(2, 3)),
            ("d:\n  <<:\n", Pos::new(2, 3)),
            ("d:\n  <<: ~\n", Pos::new(2, 3)),
            ("d:\n  a: 1\n  <<: [x]\n", Pos::new(3, 3)),
            ("s: &s scalar\nd:\n  <<: *s\n", Pos::new(3, 3)),
            ("d:\n  <<: [{a: 1}, 2]\n", Pos::new(2, 3)),
            ("d:\n  <<: [[{a: 1}]]\n", Pos::new(2, 3)),
            ("s: &s [{a: 1}]\nd:\n  <<: [*s]\n", Pos::new(3, 3)),
            // An alias of a sequence of maps is not a sequence of maps to go-yaml v2: only an
            // alias of a mapping may be the value.
            ("s: &s [{a: 1}]\nd:\n  <<: *s\n", Pos::new(3, 3)),
        ] {
            assert_eq!(load_error(text), (at, WANT_MAP.to_string()), "{text}");
        }
        // The documents before the one in error are kept.
        let s = load("a: 1\n---\nd: {<<: 1}\n", Schema::Yaml11, Limits::default());
        assert_eq!(s.docs.len(), 1);
    }

    #[test]
    fn duplicates_keep_the_last_value_and_the_shadowed_load_the_first() {
        let text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  y: 4\n";
        let s = load(text, Schema::Yaml11, Limits::default());
        let d = s.docs[0].get("d").unwrap();
        assert_eq!(val(d, "x"), Value::Int(1));
        assert_eq!(val(d, "y"), Value::Int(4));
        assert_eq!(s.duplicates.len(), 1);
        assert_eq!(s.duplicates[0].first.start, Pos::new(4, 3));
        assert_eq!(s.duplicates[0].second.start, Pos::new(5, 3));
        let first = load_shadowed(text, Schema::Yaml11, Limits::default(), |_| true);
        assert_eq!(val(first.docs[0].get("d").unwrap(), "y"), Value::Int(3));

        let text = "d:\n  privileged: true\n  privileged: false\n";
        let last = load(text, Schema::Yaml11, Limits::default());
        assert_eq!(
            val(last.docs[0].get("d").unwrap(), "privileged"),
            Value::Bool(false)
        );
        let first = load_shadowed(text, Schema::Yaml11, Limits::default(), |_| true);
        let kept = first.docs[0].get("d").unwrap().get("privileged").unwrap();
        assert_eq!(kept.value, Value::Bool(true));
        assert_eq!(kept.span.start, Pos::new(2, 15));
    }

    #[test]
    fn a_written_value_a_merge_overrode_is_recorded_and_kept_by_the_shadowed_load() {
        let text = "a: &a {privileged: false, x: 1}\nd:\n  privileged: true\n  <<: *a\n";
        let s = load(text, Schema::Yaml11, Limits::default());
        assert_eq!(
            val(s.docs[0].get("d").unwrap(), "privileged"),
            Value::Bool(false)
        );
        assert_eq!(s.merged_over, [Span::new(Pos::new(3, 3), Pos::new(3, 13))]);
        assert!(s.duplicates.is_empty());
        let first = load_shadowed(text, Schema::Yaml11, Limits::default(), |_| true);
        let d = first.docs[0].get("d").unwrap();
        let kept = d.get("privileged").unwrap();
        assert_eq!(kept.value, Value::Bool(true));
        assert_eq!(kept.span.start, Pos::new(3, 15));
        assert_eq!(val(d, "x"), Value::Int(1));
        // A key after the merge is the same in both readings, and nothing is recorded.
        let after = "a: &a {privileged: true}\nd:\n  <<: *a\n  privileged: false\n";
        let s = load(after, Schema::Yaml11, Limits::default());
        assert!(s.merged_over.is_empty());
        let first = load_shadowed(after, Schema::Yaml11, Limits::default(), |_| true);
        assert_eq!(
            val(first.docs[0].get("d").unwrap(), "privileged"),
            Value::Bool(false)
        );
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
