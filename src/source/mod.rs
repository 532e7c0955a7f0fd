//! Reading bytes into spanned documents: YAML and JSON parsers, format detection.

pub mod blocks;
pub mod detect;
pub mod json;

pub mod scalar;
pub mod yaml;

use std::collections::{HashMap, HashSet};

pub use crate::model::LineIndex;

use crate::model::{Entry, Span};

/// Hard limits that keep hostile input bounded in time and memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences accepted.
    pub max_depth: usize,
    /// Most nodes that alias expansion may create in one file.
    pub max_alias_nodes: usize,
    /// Most nodes a file's kept documents may hold: what bounds a file's tree in memory
    /// (about 100 bytes a node), whatever its size.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 1_000_000,
            max_nodes: 4_000_000,
        }
    }
}

/// A key repeated in one mapping (`second` is the repeat).
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// Whether two entries of a mapping share a key: pairwise for small mappings (length and first
/// byte settle almost every pair without a call to `memcmp`), hashed for large ones. Every
/// loaded mapping goes through this, and nearly all have no repeat and a few keys.
#[inline]
pub(crate) fn has_duplicate_key(entries: &[Entry]) -> bool {
    if entries.len() <= 16 {
        let same = |a: &str, b: &str| {
            a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
        };
        (1..entries.len()).any(|i| entries[..i].iter().any(|e| same(&e.key, &entries[i].key)))
    } else {
        has_duplicate_key_hashed(entries)
    }
}

#[inline(never)]
fn has_duplicate_key_hashed(entries: &[Entry]) -> bool {
    let mut seen = HashSet::with_capacity(entries.len());
    !entries.iter().all(|e| seen.insert(&*e.key))
}

/// Records each repeated key in `out` and keeps its last value in the place of the first
/// (go-yaml v2's and encoding/json's "last wins"), or its first with `keep_first` (the
/// shadowed reading that is linted as well). Linear, so a huge hostile mapping with a repeat
/// cannot make it quadratic.
#[cold]
pub(crate) fn dedupe_entries(
    entries: Vec<Entry>,
    keep_first: bool,
    out: &mut Vec<DuplicateKey>,
) -> Vec<Entry> {
    let mut at: HashMap<Box<str>, usize> = HashMap::with_capacity(entries.len());
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    for e in entries {
        match at.get(&e.key) {
            Some(&i) => {
                out.push(DuplicateKey {
                    key: e.key.to_string(),
                    first: kept[i].key_span,
                    second: e.key_span,
                });
                if !keep_first {
                    kept[i] = e;
                }
            }
            None => {
                at.insert(e.key.clone(), kept.len());
                kept.push(e);
            }
        }
    }
    kept
}

/// Strips a UTF-8 byte-order mark; columns on the first line then match what editors show.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The bracket syntax [`first_level_past`] scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Brackets {
    /// JSON with comments: `"…"` strings, `//` and `/* */` comments.
    Json,
    /// YAML flow collections: `"…"` and `'…'` scalars, `#` comments.
    YamlFlow,
}

/// The byte offset of the bracket that opens nesting level `limit + 1`, scanning `text` from
/// byte `from` where `depth` levels are already open; brackets in strings and comments do not
/// count. `None` when nesting never gets that deep (or closes below `from`'s level).
///
/// Parsers with their own, different depth cap (jsonc-parser stops at 512 levels,
/// saphyr-parser at 256 nested flow collections) stop before or after akslint's limit; this
/// finds where akslint's limit is crossed, so the finding points there. Only the error path
/// runs it.
pub(crate) fn first_level_past(
    text: &str,
    from: usize,
    mut depth: usize,
    limit: usize,
    syntax: Brackets,
) -> Option<usize> {
    let b = text.as_bytes();
    let yaml = syntax == Brackets::YamlFlow;
    let mut i = from;
    // YAML: a quote opens a quoted scalar only where a scalar may start.
    let mut scalar_start = true;
    while i < b.len() {
        let c = b[i];
        match c {
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
                scalar_start = true;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                scalar_start = false;
            }
            b',' | b':' | b'?' | b'\n' => scalar_start = true,
            b'"' if !yaml || scalar_start => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                scalar_start = false;
            }
            b'\'' if yaml && scalar_start => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
                scalar_start = false;
            }
            b'#' if yaml && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r')) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if !yaml && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if !yaml && b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => scalar_start = false,
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, Value};

    fn keys(keys: &[&str]) -> Vec<Entry> {
        keys.iter()
            .map(|k| Entry {
                key: (*k).into(),
                key_span: Span::default(),
                value: Node::new(Value::Null, Span::default()),
            })
            .collect()
    }

    #[test]
    fn duplicate_keys_are_found_in_small_and_large_mappings() {
        assert!(!has_duplicate_key(&keys(&[])));
        assert!(!has_duplicate_key(&keys(&["a"])));
        assert!(!has_duplicate_key(&keys(&["a", "b", "ab", "ba", "aa", ""])));
        assert!(has_duplicate_key(&keys(&["a", "b", "a"])));
        assert!(has_duplicate_key(&keys(&["", "x", ""])));
        // Same length and first byte: the bytes decide.
        assert!(!has_duplicate_key(&keys(&["abc", "axc"])));
        assert!(has_duplicate_key(&keys(&["abc", "axc", "abc"])));
        for n in [17, 20, 32, 33, 100] {
            let names: Vec<String> = (0..n).map(|i| format!("key{i}")).collect();
            let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
            assert!(!has_duplicate_key(&keys(&v)), "{n}");
            v.push("key7");
            assert!(has_duplicate_key(&keys(&v)), "{n}");
        }
        let mut out = Vec::new();
        let kept = dedupe_entries(keys(&["a", "b", "a", "c", "b"]), false, &mut out);
        let kept: Vec<&str> = kept.iter().map(|e| &*e.key).collect();
        assert_eq!(kept, ["a", "b", "c"]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn first_level_past_skips_strings_and_comments() {
        let json = "{\"a[\": [ // [[\n /* [[ */ [[ \"\\\"[\" ]]]}";
        // Levels: `{` 1, `[` 2, then `[[` 3 and 4.
        let third = json.find("[[ \"").unwrap();
        assert_eq!(first_level_past(json, 0, 0, 2, Brackets::Json), Some(third));
        assert_eq!(
            first_level_past(json, 0, 0, 3, Brackets::Json),
            Some(third + 1)
        );
        assert_eq!(first_level_past(json, 0, 0, 4, Brackets::Json), None);
        let yaml = "{a: 'it''s [', b: \"[\", c: don't # [[\n , d: [x]}";
        let x = yaml.find("[x]").unwrap();
        assert_eq!(first_level_past(yaml, 0, 0, 1, Brackets::YamlFlow), Some(x));
        assert_eq!(first_level_past(yaml, 0, 6, 6, Brackets::YamlFlow), Some(0));
        // Closed below where the scan started: not deeper.
        assert_eq!(first_level_past("] [[", 0, 0, 1, Brackets::YamlFlow), None);
    }
}
