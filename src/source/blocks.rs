//! Finding a key inside a brace-delimited declaration of a source file (a Bicep `resource`, a
//! Terraform `resource` block): where findings of the compiled form point back to.

use crate::model::{Pos, Span};

/// The span of the last of `keys` that `assigns` finds on a line of the declaration starting
/// at 1-based `decl_line` (until its braces balance), else of the declaration line itself.
/// `assigns(line_trimmed, key)` tells whether the trimmed line assigns `key`.
pub fn key_in_block(
    text: &str,
    decl_line: u32,
    keys: &[&str],
    assigns: impl Fn(&str, &str) -> bool,
) -> Span {
    let lines: Vec<&str> = text.lines().collect();
    let start = decl_line.saturating_sub(1) as usize;
    let mut depth = 0i32;
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate().skip(start) {
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if i > start && depth <= 0 {
            end = i + 1;
            break;
        }
    }
    let body = lines.get(start..end.min(lines.len())).unwrap_or_default();
    for key in keys.iter().rev() {
        for (i, line) in body.iter().enumerate().skip(1) {
            let t = line.trim_start();
            if assigns(t, key) {
                let n = (start + i + 1) as u32;
                let col = line[..line.len() - t.len()].chars().count() as u32 + 1;
                return Span::new(
                    Pos::new(n, col),
                    Pos::new(n, col + key.chars().count() as u32),
                );
            }
        }
    }
    let first = lines.get(start).copied().unwrap_or("");
    let col = (first.len() - first.trim_start().len()) as u32 + 1;
    Span::new(
        Pos::new(decl_line, col),
        Pos::new(decl_line, first.chars().count() as u32 + 1),
    )
}
