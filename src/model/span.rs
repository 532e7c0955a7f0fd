/// A position in a source file: 1-based line, 1-based column counted in Unicode scalar values.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A half-open range `start..end` in a source file.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
    /// Which file: 0 is the file of the resource the node belongs to; `n` is the resource's
    /// `sources[n - 1]` (an ARM parameters file whose values were bound into a template).
    pub src: u16,
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

impl Span {
    pub const fn new(start: Pos, end: Pos) -> Self {
        Span { start, end, src: 0 }
    }

    pub const fn in_source(self, src: u16) -> Self {
        Span { src, ..self }
    }

    pub fn is_multiline(&self) -> bool {
        self.end.line > self.start.line
    }
}
