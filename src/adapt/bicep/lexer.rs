//! The Bicep lexer: tokens with byte ranges. Strings keep their interpolations as token
//! lists of their own (`'a${b}c'`), so the parser never re-scans text. Never panics; nesting
//! of interpolations is bounded.

use super::syntax::SyntaxError;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(Box<str>),
    Int(i64),
    /// A string: literal pieces and interpolated expressions (`'a${b}c'` → Lit a, Expr b, Lit c).
    Str(Vec<StrPart>),
    /// `'''…'''`: verbatim, no escapes or interpolation.
    MultiStr(Box<str>),
    /// Punctuation and operators (`{`, `=>`, `??`, `.?`, …).
    Punct(&'static str),
    /// `@` starting a decorator.
    At,
    NewLine,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Lit(String),
    /// The tokens of `${…}` (without the braces), ending with `Eof` at the closing brace.
    Expr(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Interpolations nested deeper than this are refused (`'${'${'${…'}'}'}'`).
const MAX_INTERPOLATION_DEPTH: usize = 32;

const PUNCTS: &[&str] = &[
    "...", "=>", "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "??", ".?", "::", "{", "}", "(",
    ")", "[", "]", ",", ":", "?", ".", "=", "!", "<", ">", "+", "-", "*", "/", "%", "|", ";",
];

pub struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// Every token of the text, ending with `Eof`.
    pub fn tokens(mut self) -> Result<Vec<Token>, SyntaxError> {
        let mut out = Vec::with_capacity(self.text.len() / 4 + 1);
        loop {
            let t = self.next(0)?;
            let eof = t.tok == Tok::Eof;
            out.push(t);
            if eof {
                return Ok(out);
            }
        }
    }

    fn err(&self, at: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: at,
            message: message.into(),
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.bytes.get(self.pos + k).copied().unwrap_or(0)
    }

    /// Skips spaces and comments (not newlines).
    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek(0) {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    let start = self.pos;
                    match self.text[self.pos + 2..].find("*/") {
                        Some(i) => self.pos += 2 + i + 2,
                        None => return Err(self.err(start, "unterminated `/*` comment")),
                    }
                }
                // `#disable-next-line …` and other pragmas: a line of their own.
                b'#' if self.text[..self.pos]
                    .rsplit('\n')
                    .next()
                    .is_some_and(|l| l.trim().is_empty()) =>
                {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn next(&mut self, depth: usize) -> Result<Token, SyntaxError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(&b) = self.bytes.get(self.pos) else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = match b {
            b'\n' => {
                self.pos += 1;
                Tok::NewLine
            }
            b'@' => {
                self.pos += 1;
                Tok::At
            }
            b'\'' if self.text[self.pos..].starts_with("'''") => {
                let body_start = self.pos + 3;
                match self.text[body_start..].find("'''") {
                    Some(i) => {
                        // `''''` ends with the last three quotes.
                        let mut end = body_start + i;
                        while self.bytes.get(end + 3) == Some(&b'\'') {
                            end += 1;
                        }
                        self.pos = end + 3;
                        let body = &self.text[body_start..end];
                        // A newline right after the opening quotes is not part of the value.
                        let body = body
                            .strip_prefix("\r\n")
                            .or_else(|| body.strip_prefix('\n'))
                            .unwrap_or(body);
                        Tok::MultiStr(body.into())
                    }
                    None => return Err(self.err(start, "unterminated `'''` string")),
                }
            }
            b'\'' => self.string(depth)?,
            b'0'..=b'9' => {
                while self.peek(0).is_ascii_digit() {
                    self.pos += 1;
                }
                let digits = &self.text[start..self.pos];
                match digits.parse::<i64>() {
                    Ok(i) => Tok::Int(i),
                    Err(_) => {
                        return Err(self.err(start, format!("integer `{digits}` is too large")));
                    }
                }
            }
            b if b == b'_' || b.is_ascii_alphabetic() => {
                while self.peek(0) == b'_' || self.peek(0).is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                Tok::Ident(self.text[start..self.pos].into())
            }
            _ => {
                let rest = &self.text[self.pos..];
                match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
                    Some(p) => {
                        self.pos += p.len();
                        Tok::Punct(p)
                    }
                    None => {
                        let c = rest.chars().next().unwrap_or('?');
                        return Err(self.err(start, format!("unexpected character `{c}`")));
                    }
                }
            }
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// A `'…'` string with escapes and `${…}` interpolations.
    fn string(&mut self, depth: usize) -> Result<Tok, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return Err(self.err(start, "unterminated string"));
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    break;
                }
                '\n' => {
                    return Err(self.err(start, "unterminated string (a newline in a `'` string)"));
                }
                '\\' => {
                    let esc_at = self.pos;
                    self.pos += 1;
                    let Some(e) = self.text[self.pos..].chars().next() else {
                        return Err(self.err(start, "unterminated string"));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        '\'' => lit.push('\''),
                        '\\' => lit.push('\\'),
                        'n' => lit.push('\n'),
                        'r' => lit.push('\r'),
                        't' => lit.push('\t'),
                        '$' => lit.push('$'),
                        'u' if self.peek(0) == b'{' => {
                            let close = self.text[self.pos..].find('}');
                            let ch = close.and_then(|i| {
                                let hex = &self.text[self.pos + 1..self.pos + i];
                                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                            });
                            match (close, ch) {
                                (Some(i), Some(ch)) => {
                                    self.pos += i + 1;
                                    lit.push(ch);
                                }
                                _ => return Err(self.err(esc_at, "invalid `\\u{…}` escape")),
                            }
                        }
                        other => {
                            return Err(self.err(esc_at, format!("invalid escape `\\{other}`")));
                        }
                    }
                }
                '$' if self.peek(1) == b'{' => {
                    if depth >= MAX_INTERPOLATION_DEPTH {
                        return Err(self.err(
                            self.pos,
                            format!("interpolations nested deeper than {MAX_INTERPOLATION_DEPTH}"),
                        ));
                    }
                    let open = self.pos;
                    self.pos += 2;
                    if !lit.is_empty() {
                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                    }
                    let mut inner = Vec::new();
                    let mut braces = 0usize;
                    loop {
                        let t = self.next(depth + 1)?;
                        match &t.tok {
                            Tok::Eof => {
                                return Err(self.err(open, "unterminated `${` interpolation"));
                            }
                            Tok::Punct("{") => braces += 1,
                            Tok::Punct("}") if braces == 0 => {
                                inner.push(Token {
                                    tok: Tok::Eof,
                                    start: t.start,
                                    end: t.start,
                                });
                                break;
                            }
                            Tok::Punct("}") => braces -= 1,
                            _ => {}
                        }
                        inner.push(t);
                    }
                    parts.push(StrPart::Expr(inner));
                }
                c => {
                    lit.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(StrPart::Lit(lit));
        }
        Ok(Tok::Str(parts))
    }
}
