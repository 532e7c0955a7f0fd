//! Reading bytes into spanned documents: YAML and JSON parsers, format detection.

pub mod blocks;
pub mod detect;
pub mod json;
pub mod lines;
pub mod scalar;
pub mod yaml;

pub use lines::LineIndex;

/// Hard limits that keep hostile input bounded in time and memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences accepted.
    pub max_depth: usize,
    /// Most nodes that alias expansion may create in one file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// Strips a UTF-8 byte-order mark; columns on the first line then match what editors show.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}
