//! Input-derived text in line-oriented output. A resource name, key, value or file name is
//! the repository's: unescaped, `"evil\n::error file=README.md::FAKE"` would put a GitHub
//! workflow command at the start of a line of `concise` output (which the Action prints in
//! the job log), ESC sequences would drive the reader's terminal, and bidirectional overrides
//! would make the printed text differ from the bytes (Trojan Source).

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that must not reach a terminal or a log as they are: C0 controls and DEL, C1
/// controls, and the bidirectional embedding, override and isolate controls.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each unsafe character written visibly: `\n`, `\r`, `\t`, `\x1b`, `\u{202e}`.
/// For names, messages and paths: one line, nothing a terminal interprets.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Source text for a code frame: line breaks and tabs stay, and every other unsafe character
/// becomes a visible one of the same UTF-8 length (`?` for one byte, `¿` for two, `�` for
/// three), so the byte offsets and columns of spans into it stay right.
pub fn frame_text(s: &str) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t');
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                c if !bad(c) => c,
                c if c.len_utf8() == 1 => '?',
                c if c.len_utf8() == 2 => '¿',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_one_visible_line() {
        assert_eq!(
            printable("evil\n::error file=README.md,line=1::FAKE"),
            "evil\\n::error file=README.md,line=1::FAKE"
        );
        assert_eq!(
            printable("\u{1b}[31mred\u{7f}\u{85}"),
            "\\x1b[31mred\\x7f\\x85"
        );
        assert_eq!(printable("a\u{202e}b\u{2066}"), "a\\u{202e}b\\u{2066}");
        assert!(matches!(printable("plain ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn frames_keep_lengths() {
        let s = "a: \u{1b}[31m\n\tb: \u{85}\u{202e}\n";
        let f = frame_text(s);
        assert_eq!(f.len(), s.len());
        assert_eq!(f.chars().count(), s.chars().count());
        assert_eq!(f, "a: ?[31m\n\tb: ¿\u{fffd}\n");
    }
}
