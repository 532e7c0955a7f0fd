use super::Pos;

/// Maps byte offsets to line/column positions and back.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            starts,
            ascii: text.is_ascii(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    /// 0-based line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = if self.ascii {
            offset - start
        } else {
            text.get(start..offset)
                .map_or(offset - start, |s| s.chars().count())
        };
        Pos::new(line as u32 + 1, col as u32 + 1)
    }

    /// Byte offset of a position (clamped to the text).
    pub fn offset(&self, text: &str, pos: Pos) -> usize {
        let line = (pos.line.max(1) - 1) as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.starts[line];
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let want = pos.col.max(1) as usize - 1;
        if self.ascii {
            return (start + want).min(end);
        }
        let line_text = &text[start..end];
        line_text
            .char_indices()
            .nth(want)
            .map_or(end, |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_with_multibyte_text() {
        let text = "a: é\nbb: ü x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        let pos = idx.pos(text, x);
        assert_eq!(pos, Pos::new(2, 7));
        assert_eq!(idx.offset(text, pos), x);
    }
}
