//! Positions: the engine counts 1-based lines and 1-based columns in Unicode scalar values;
//! LSP counts 0-based lines and columns in UTF-16 code units. Also applies edits.

use akslint::model::Pos;
use lsp_types::{Position, Range};

/// Line starts of a document's text, for converting positions both ways.
#[derive(Clone, Debug, Default)]
pub struct LineMap {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    /// The text starts with a byte-order mark, which the engine strips before counting
    /// columns (so its line-1 columns are one less than the editor's).
    bom: bool,
}

impl LineMap {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineMap {
            starts,
            bom: text.starts_with('\u{feff}'),
        }
    }

    /// The text of 0-based `line`, without its line break.
    pub fn line<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// An engine position as an LSP position (clamped to the text).
    pub fn to_lsp(&self, text: &str, pos: Pos) -> Position {
        let line = pos.line.max(1) as usize - 1;
        if line >= self.starts.len() {
            let last = self.starts.len() - 1;
            let utf16 = self.line(text, last).encode_utf16().count();
            return Position::new(last as u32, utf16 as u32);
        }
        let mut chars = pos.col.max(1) as usize - 1;
        if line == 0 && self.bom {
            chars += 1;
        }
        let utf16: usize = self
            .line(text, line)
            .chars()
            .take(chars)
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, utf16 as u32)
    }

    pub fn range(&self, text: &str, start: Pos, end: Pos) -> Range {
        let start = self.to_lsp(text, start);
        Range::new(start, self.to_lsp(text, end).max(start))
    }

    /// The byte offset of an LSP position (clamped to its line, and to the text).
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let content = self.line(text, line);
        let mut units = 0;
        for (i, c) in content.char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + content.len()
    }
}

/// Replaces `range` (or everything, when `None`) of `text` with `new_text`.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str) {
    match range {
        None => {
            text.clear();
            text.push_str(new_text);
        }
        Some(r) => {
            let map = LineMap::new(text);
            let start = map.offset(text, r.start);
            let end = map.offset(text, r.end).max(start);
            text.replace_range(start..end, new_text);
        }
    }
}

/// Leading spaces and tabs of a line.
pub fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a: x\nverbs: [\"ĝ🚀\", \"*\"]\n";
        let map = LineMap::new(text);
        // `"*"` is at code-point column 15 (1-based); 🚀 is two UTF-16 units.
        let p = map.to_lsp(text, Pos::new(2, 15));
        assert_eq!(p, Position::new(1, 15));
        assert_eq!(&text[map.offset(text, p)..map.offset(text, p) + 3], "\"*\"");
    }

    #[test]
    fn bom_shifts_first_line() {
        let text = "\u{feff}kind: Pod\n";
        let map = LineMap::new(text);
        assert_eq!(map.to_lsp(text, Pos::new(1, 1)), Position::new(0, 1));
        assert_eq!(map.to_lsp(text, Pos::new(2, 1)), Position::new(1, 0));
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let text = "ab\r\ncd";
        let map = LineMap::new(text);
        assert_eq!(map.to_lsp(text, Pos::new(1, 9)), Position::new(0, 2));
        assert_eq!(map.to_lsp(text, Pos::new(7, 1)), Position::new(1, 2));
        assert_eq!(map.offset(text, Position::new(0, 9)), 2);
        assert_eq!(map.offset(text, Position::new(5, 0)), text.len());
    }

    #[test]
    fn incremental_edits() {
        let mut text = String::from("verbs: [\"🚀\", \"*\"]\n");
        let r = Range::new(Position::new(0, 15), Position::new(0, 16));
        apply_change(&mut text, Some(r), "get");
        assert_eq!(text, "verbs: [\"🚀\", \"get\"]\n");
        apply_change(&mut text, None, "x");
        assert_eq!(text, "x");
    }
}
