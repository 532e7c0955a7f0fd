//! The ARM template expression language: `[concat('a', parameters('b')).c[0]]`.
//!
//! Positions are character offsets into the whole string value (the leading `[` is offset 0),
//! so a literal inside an expression can be pointed at when the string sits on one line.

use std::fmt::{self, Write};

/// Character offsets `start..end` within the template string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(Box<str>, Range),
    Int(i64, Range),
    Float(f64, Range),
    /// `true`, `false` and `null` written without parentheses.
    Word(Box<str>, Range),
    Call {
        name: Box<str>,
        args: Vec<Expr>,
        range: Range,
    },
    Member {
        target: Box<Expr>,
        name: Box<str>,
        /// Bicep's safe dereference `.?`: a missing member is null, not an error.
        safe: bool,
        range: Range,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        range: Range,
    },
}

impl Expr {
    pub fn range(&self) -> Range {
        match self {
            Expr::Str(_, r) | Expr::Int(_, r) | Expr::Float(_, r) | Expr::Word(_, r) => *r,
            Expr::Call { range, .. } | Expr::Member { range, .. } | Expr::Index { range, .. } => {
                *range
            }
        }
    }

    /// The call's function name in lower case, if this is a call.
    pub fn call_name(&self) -> Option<&str> {
        match self {
            Expr::Call { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Prints the expression back in a canonical form (used to name values unknown before
/// deployment, so two resource IDs built from the same parameter compare equal).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s, _) => {
                f.write_char('\'')?;
                f.write_str(&s.replace('\'', "''"))?;
                f.write_char('\'')
            }
            Expr::Int(i, _) => write!(f, "{i}"),
            Expr::Float(x, _) => write!(f, "{x}"),
            Expr::Word(w, _) => f.write_str(w),
            Expr::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_char(')')
            }
            Expr::Member { target, name, .. } => write!(f, "{target}.{name}"),
            Expr::Index { target, index, .. } => write!(f, "{target}[{index}]"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct ExprError {
    pub message: String,
    pub at: u32,
}

/// What a template string is.
#[derive(Debug)]
pub enum Parsed {
    /// A plain string (with a leading `[[` unescaped to `[`).
    Literal(Box<str>),
    Expr(Expr),
}

/// Nesting deeper than this is refused: expressions are parsed recursively.
const MAX_DEPTH: usize = 64;

/// The tallest expression tree accepted. Calls nest at most `MAX_DEPTH` deep, but a member or
/// index chain (`x.a.b[0]…`) is parsed by a loop and adds a level per step, and everything that
/// walks the tree afterwards (evaluation, printing, dropping) recurses: so the height is
/// bounded too.
const MAX_HEIGHT: u32 = 256;

/// Classifies and parses one template string.
pub fn parse_template_string(s: &str) -> Result<Parsed, ExprError> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Ok(Parsed::Literal(format!("[{rest}").into()));
    }
    if !(s.starts_with('[') && s.ends_with(']')) || s.len() < 2 {
        return Ok(Parsed::Literal(s.into()));
    }
    let chars: Vec<char> = s.chars().collect();
    let mut p = Parser {
        chars: &chars[..chars.len() - 1],
        pos: 1,
        depth: 0,
    };
    p.skip_ws();
    let (e, _) = p.expr()?;
    p.skip_ws();
    if p.pos < p.chars.len() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(Parsed::Expr(e))
}

/// Parses a bare expression (no brackets); for tests and tools.
pub fn parse_expression(s: &str) -> Result<Expr, ExprError> {
    match parse_template_string(&format!("[{s}]"))? {
        Parsed::Expr(e) => Ok(e),
        Parsed::Literal(_) => Err(ExprError {
            message: "not an expression".into(),
            at: 0,
        }),
    }
}

struct Parser<'c> {
    chars: &'c [char],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ExprError {
        ExprError {
            message: message.into(),
            at: self.pos as u32,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn range_from(&self, start: usize) -> Range {
        Range {
            start: start as u32,
            end: self.pos as u32,
        }
    }

    /// An expression and the height of its tree (a literal is 1).
    fn expr(&mut self) -> Result<(Expr, u32), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression nested too deeply"));
        }
        let start = self.pos;
        let (mut e, mut height) = self.primary()?;
        loop {
            if height > MAX_HEIGHT {
                return Err(self.error("expression nested too deeply"));
            }
            self.skip_ws();
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    // Bicep's safe dereference `.?`: a missing member is null.
                    let safe = self.peek() == Some('?');
                    if safe {
                        self.pos += 1;
                    }
                    self.skip_ws();
                    let name = self.identifier()?;
                    height += 1;
                    e = Expr::Member {
                        target: Box::new(e),
                        name: name.into(),
                        safe,
                        range: self.range_from(start),
                    };
                }
                Some('[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let (index, index_height) = self.expr()?;
                    self.skip_ws();
                    if self.peek() != Some(']') {
                        return Err(self.error("expected `]`"));
                    }
                    self.pos += 1;
                    height = height.max(index_height) + 1;
                    e = Expr::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                        range: self.range_from(start),
                    };
                }
                _ => break,
            }
        }
        self.depth -= 1;
        if height > MAX_HEIGHT {
            return Err(self.error("expression nested too deeply"));
        }
        Ok((e, height))
    }

    fn identifier(&mut self) -> Result<String, ExprError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("expected a name"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn primary(&mut self) -> Result<(Expr, u32), ExprError> {
        let start = self.pos;
        match self.peek() {
            Some('\'') => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.error("unterminated string")),
                        Some('\'') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                            s.push('\'');
                            self.pos += 2;
                        }
                        Some('\'') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += 1;
                        }
                    }
                }
                Ok((Expr::Str(s.into(), self.range_from(start)), 1))
            }
            Some(c) if c.is_ascii_digit() || c == '-' => {
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                let range = self.range_from(start);
                if let Ok(i) = text.parse::<i64>() {
                    Ok((Expr::Int(i, range), 1))
                } else if let Ok(x) = text.parse::<f64>() {
                    Ok((Expr::Float(x, range), 1))
                } else {
                    Err(self.error("malformed number"))
                }
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                // Namespaced user functions (`__bicep.fn`) keep their dots.
                let mut name = self.identifier()?;
                while self.peek() == Some('.')
                    && self
                        .chars
                        .get(self.pos + 1)
                        .is_some_and(|c| c.is_alphabetic() || *c == '_')
                    && self.lookahead_is_call()
                {
                    self.pos += 1;
                    name.push('.');
                    name.push_str(&self.identifier()?);
                }
                self.skip_ws();
                if self.peek() != Some('(') {
                    let lower = name.to_ascii_lowercase();
                    if matches!(lower.as_str(), "true" | "false" | "null") {
                        return Ok((Expr::Word(lower.into(), self.range_from(start)), 1));
                    }
                    return Err(self.error("expected `(` after a function name"));
                }
                self.pos += 1;
                let mut args = Vec::new();
                let mut height = 1;
                self.skip_ws();
                if self.peek() == Some(')') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let (arg, arg_height) = self.expr()?;
                        height = height.max(arg_height + 1);
                        args.push(arg);
                        self.skip_ws();
                        match self.peek() {
                            Some(',') => self.pos += 1,
                            Some(')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `)`")),
                        }
                    }
                }
                Ok((
                    Expr::Call {
                        name: name.into(),
                        args,
                        range: self.range_from(start),
                    },
                    height,
                ))
            }
            _ => Err(self.error("expected a string, number or function call")),
        }
    }

    /// After `name.`: is `name.other(` a namespaced call rather than a member access?
    fn lookahead_is_call(&self) -> bool {
        let mut i = self.pos + 1;
        while self
            .chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            i += 1;
        }
        while self.chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        self.chars.get(i) == Some(&'(')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expr {
        parse_expression(s).unwrap()
    }

    #[test]
    fn literals_and_escapes() {
        assert!(matches!(
            parse_template_string("[[notAnExpression]").unwrap(),
            Parsed::Literal(s) if &*s == "[notAnExpression]"
        ));
        assert!(matches!(
            parse_template_string("plain").unwrap(),
            Parsed::Literal(_)
        ));
        assert_eq!(parse("'it''s'").to_string(), "'it''s'");
        assert_eq!(parse("-12"), Expr::Int(-12, Range { start: 1, end: 4 }));
    }

    #[test]
    fn calls_members_and_indexes() {
        let e = parse("reference(resourceId('A/b', 'n'), '2020-01-01').outputs['x'].value[0]");
        assert_eq!(
            e.to_string(),
            "reference(resourceId('A/b', 'n'), '2020-01-01').outputs['x'].value[0]"
        );
        let e = parse("__bicep.myFn(1)");
        assert_eq!(e.call_name(), Some("__bicep.myFn"));
        let e = parse("resourceGroup().location");
        assert!(matches!(e, Expr::Member { .. }));
        let e = parse("parameters('p').?x");
        assert_eq!(e.to_string(), "parameters('p').x");
    }

    #[test]
    fn ranges_are_character_offsets_of_the_whole_string() {
        // "[if(true(), 'a', 'b')]": 'a' starts at character 12.
        let Parsed::Expr(Expr::Call { args, .. }) =
            parse_template_string("[if(true(), 'a', 'b')]").unwrap()
        else {
            panic!()
        };
        assert_eq!(args[1].range(), Range { start: 12, end: 15 });
    }

    #[test]
    fn errors_are_reported_not_panics() {
        for bad in ["[concat('a']", "[f(,)]", "['open]", "[1 2]", "[a.]", "[]"] {
            assert!(parse_template_string(bad).is_err(), "{bad}");
        }
        let deep = format!("[{}1{}]", "f(".repeat(200), ")".repeat(200));
        assert!(parse_template_string(&deep).is_err());
    }

    #[test]
    fn long_member_and_index_chains_are_refused_not_built() {
        // A loop parses chains, but the tree they build is walked recursively afterwards.
        for chain in [".a", "[0]", "['a']", ".a[0]"] {
            let long = format!("[json('{{}}'){}]", chain.repeat(100_000));
            let e = parse_template_string(&long).unwrap_err();
            assert_eq!(e.message, "expression nested too deeply", "{chain}");
            let ok = format!("[json('{{}}'){}]", chain.repeat(100));
            assert!(parse_template_string(&ok).is_ok(), "{chain}");
        }
        // The height counts chains inside arguments and indexes too.
        let arg = format!("x(){}", ".a".repeat(200));
        assert!(parse_template_string(&format!("[f({arg})]")).is_ok());
        let nested = format!("[f({arg}){}]", ".b".repeat(100));
        assert!(parse_template_string(&nested).is_err());
        let nested = format!("[f()[{arg}]{}]", ".b".repeat(100));
        assert!(parse_template_string(&nested).is_err());
        // Right at the limit: a call (1) with 255 members.
        assert!(parse_expression(&format!("x(){}", ".a".repeat(255))).is_ok());
        assert!(parse_expression(&format!("x(){}", ".a".repeat(256))).is_err());
    }
}
