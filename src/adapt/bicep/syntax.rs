//! The Bicep syntax tree and a recursive-descent parser over the lexer's tokens. Every node
//! keeps its span; nesting is bounded; a syntax error is a value (never a panic).

use super::lexer::{Lexer, StrPart, Tok, Token};
use crate::model::Span;
use crate::source::LineIndex;

/// Expressions (and declarations inside them) nested deeper than this are refused.
pub const MAX_NESTING: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// Byte offset in the file.
    pub offset: usize,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    /// A string; one `Lit` part when it has no interpolation.
    Str(Vec<Part>),
    Ident(Box<str>),
    Array(Vec<Expr>),
    Object(Vec<ObjectItem>),
    Member {
        target: Box<Expr>,
        name: Box<str>,
        safe: bool,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// `parent::child`.
    Child {
        target: Box<Expr>,
        name: Box<str>,
    },
    /// `f(a)`, `az.f(a)`, `sys.f(a)`, `res.listKeys()`: `target` is what precedes the dot.
    Call {
        target: Option<Box<Expr>>,
        name: Box<str>,
        args: Vec<Expr>,
    },
    Unary {
        op: &'static str,
        operand: Box<Expr>,
    },
    Binary {
        op: &'static str,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Lambda {
        params: Vec<Box<str>>,
        body: Box<Expr>,
    },
    /// `[for item in iterable: body]`, `[for (item, i) in …: …]`.
    For {
        item: Box<str>,
        index: Option<Box<str>>,
        iterable: Box<Expr>,
        body: Box<Expr>,
    },
    /// `...items` inside an array literal.
    Spread(Box<Expr>),
    /// `if (cond) body`: a condition on a resource or module body.
    If {
        cond: Box<Expr>,
        body: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectItem {
    Property {
        key: Box<str>,
        key_span: Span,
        value: Expr,
    },
    /// A key written with interpolation (`'${id}': {}`).
    Computed { key: Expr, value: Expr },
    /// `...expr`: the members of another object.
    Spread(Expr),
    /// A child resource declared inside its parent's body.
    Resource(Box<ResourceDecl>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub name: Box<str>,
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDecl {
    pub symbol: Box<str>,
    pub symbol_span: Span,
    /// `Microsoft.X/y@2024-01-01` as written.
    pub type_ref: Box<str>,
    pub type_span: Span,
    pub existing: bool,
    pub decorators: Vec<Decorator>,
    /// An object, `if (…) {…}` or `[for …]`.
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: Box<str>,
    pub name_span: Span,
    /// The type as written (`string`, `'a' | 'b'`, `object?`); empty for `resource` types.
    pub ty: String,
    pub decorators: Vec<Decorator>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    TargetScope(Expr),
    Param(ParamDecl),
    Var {
        name: Box<str>,
        name_span: Span,
        value: Expr,
    },
    Resource(ResourceDecl),
    Module {
        symbol: Box<str>,
        symbol_span: Span,
        path: Box<str>,
        path_span: Span,
        body: Expr,
        span: Span,
    },
    Output {
        name: Box<str>,
        name_span: Span,
        value: Expr,
    },
    Func {
        name: Box<str>,
        params: Vec<Box<str>>,
        body: Expr,
    },
    /// `type`, `import`, `metadata`, `extension`, `assert`: parsed, not evaluated.
    Other(&'static str, Span),
    /// `.bicepparam`: `using './main.bicep'` (None for `using none`).
    Using(Option<(Box<str>, Span)>),
    /// `.bicepparam`: `param x = value`.
    ParamValue {
        name: Box<str>,
        name_span: Span,
        value: Expr,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub decls: Vec<Decl>,
}

/// Parses a `.bicep` or `.bicepparam` file; spans get source index `src`.
pub fn parse(text: &str, src: u16) -> Result<Program, (crate::model::Pos, String)> {
    let lines = LineIndex::new(text);
    let pos = |e: SyntaxError| (lines.pos(text, e.offset), e.message);
    let tokens = Lexer::new(text).tokens().map_err(pos)?;
    let mut p = Parser {
        toks: &tokens,
        i: 0,
        text,
        lines: &lines,
        src,
        depth: 0,
    };
    p.program().map_err(pos)
}

struct Parser<'a> {
    toks: &'a [Token],
    i: usize,
    text: &'a str,
    lines: &'a LineIndex,
    src: u16,
    depth: usize,
}

type R<T> = Result<T, SyntaxError>;

const EOF: Token = Token {
    tok: Tok::Eof,
    start: 0,
    end: 0,
};

impl<'a> Parser<'a> {
    fn sub(&self, toks: &'a [Token]) -> Parser<'a> {
        Parser {
            toks,
            i: 0,
            text: self.text,
            lines: self.lines,
            src: self.src,
            depth: self.depth,
        }
    }

    fn tok(&self) -> &'a Token {
        self.toks
            .get(self.i)
            .unwrap_or(self.toks.last().unwrap_or(&EOF))
    }

    fn peek_at(&self, k: usize) -> &'a Tok {
        &self
            .toks
            .get(self.i + k)
            .unwrap_or(self.toks.last().unwrap_or(&EOF))
            .tok
    }

    fn bump(&mut self) -> &'a Token {
        let t = self.tok();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(
            self.lines.pos(self.text, start),
            self.lines.pos(self.text, end),
        )
        .in_source(self.src)
    }

    fn last_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|j| self.toks.get(j))
            .map_or(0, |t| t.end)
    }

    fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(SyntaxError {
            offset: self.tok().start,
            message: message.into(),
        })
    }

    fn describe(t: &Tok) -> String {
        match t {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Str(_) | Tok::MultiStr(_) => "a string".into(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::At => "`@`".into(),
            Tok::NewLine => "the end of the line".into(),
            Tok::Eof => "the end of the file".into(),
        }
    }

    fn unexpected<T>(&self, wanted: &str) -> R<T> {
        self.err(format!(
            "expected {wanted}, found {}",
            Self::describe(&self.tok().tok)
        ))
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.tok().tok, Tok::Punct(q) if *q == p)
    }

    fn is_ident(&self, w: &str) -> bool {
        matches!(&self.tok().tok, Tok::Ident(s) if &**s == w)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, p: &str) -> R<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            self.unexpected(&format!("`{p}`"))
        }
    }

    fn skip_newlines(&mut self) {
        while self.tok().tok == Tok::NewLine {
            self.bump();
        }
    }

    fn ident(&mut self) -> R<(Box<str>, Span)> {
        match &self.tok().tok {
            Tok::Ident(s) => {
                let t = self.bump();
                Ok((s.clone(), self.span(t.start, t.end)))
            }
            _ => self.unexpected("a name"),
        }
    }

    /// A string without interpolation (module paths, resource types, `using`).
    fn plain_string(&mut self, what: &str) -> R<(Box<str>, Span)> {
        let t = self.tok();
        let text = match &t.tok {
            Tok::Str(parts) => match &parts[..] {
                [StrPart::Lit(s)] => s.clone(),
                _ => return self.err(format!("{what} cannot contain `${{…}}`")),
            },
            Tok::MultiStr(s) => s.to_string(),
            _ => return self.unexpected(what),
        };
        self.bump();
        Ok((text.into(), self.span(t.start, t.end)))
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(format!("nesting deeper than {MAX_NESTING} levels"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The end of a declaration: a newline or the end of the file.
    fn end_of_statement(&mut self) -> R<()> {
        match self.tok().tok {
            Tok::NewLine => {
                self.bump();
                Ok(())
            }
            Tok::Eof => Ok(()),
            _ => self.unexpected("a new line"),
        }
    }

    fn program(&mut self) -> R<Program> {
        let mut decls = Vec::new();
        loop {
            self.skip_newlines();
            if self.tok().tok == Tok::Eof {
                return Ok(Program { decls });
            }
            let decorators = self.decorators()?;
            let start = self.tok().start;
            let Tok::Ident(word) = &self.tok().tok else {
                return self.unexpected("a declaration");
            };
            let decl = match &**word {
                "targetScope" => {
                    self.bump();
                    self.expect_punct("=")?;
                    Decl::TargetScope(self.expr()?)
                }
                "param" => {
                    self.bump();
                    let (name, name_span) = self.ident()?;
                    if self.eat_punct("=") {
                        // `.bicepparam`: `param x = value`.
                        Decl::ParamValue {
                            name,
                            name_span,
                            value: self.expr()?,
                        }
                    } else {
                        let ty = self.type_text()?;
                        let default = if self.eat_punct("=") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        Decl::Param(ParamDecl {
                            name,
                            name_span,
                            ty,
                            decorators,
                            default,
                            span: self.span(start, self.last_end()),
                        })
                    }
                }
                "var" => {
                    self.bump();
                    let (name, name_span) = self.ident()?;
                    if !self.is_punct("=") {
                        // A typed variable: `var x string = …`.
                        self.type_text()?;
                    }
                    self.expect_punct("=")?;
                    Decl::Var {
                        name,
                        name_span,
                        value: self.expr()?,
                    }
                }
                "resource" => {
                    self.bump();
                    Decl::Resource(self.resource(start, decorators)?)
                }
                "module" => {
                    self.bump();
                    let (symbol, symbol_span) = self.ident()?;
                    let (path, path_span) = self.plain_string("a module path")?;
                    self.expect_punct("=")?;
                    let body = self.declaration_body()?;
                    Decl::Module {
                        symbol,
                        symbol_span,
                        path,
                        path_span,
                        body,
                        span: self.span(start, self.last_end()),
                    }
                }
                "output" => {
                    self.bump();
                    let (name, name_span) = self.ident()?;
                    if self.is_ident("resource") {
                        self.bump();
                        self.plain_string("a resource type")?;
                    } else {
                        self.type_text()?;
                    }
                    self.expect_punct("=")?;
                    Decl::Output {
                        name,
                        name_span,
                        value: self.expr()?,
                    }
                }
                "func" => {
                    self.bump();
                    let (name, _) = self.ident()?;
                    self.expect_punct("(")?;
                    let mut params = Vec::new();
                    loop {
                        self.skip_newlines();
                        if self.eat_punct(")") {
                            break;
                        }
                        let (p, _) = self.ident()?;
                        params.push(p);
                        self.skip_type_until(&[",", ")"])?;
                        self.eat_punct(",");
                    }
                    self.skip_type_until(&["=>"])?;
                    self.expect_punct("=>")?;
                    self.skip_newlines();
                    Decl::Func {
                        name,
                        params,
                        body: self.expr()?,
                    }
                }
                "using" => {
                    self.bump();
                    if self.is_ident("none") {
                        self.bump();
                        Decl::Using(None)
                    } else {
                        Decl::Using(Some(self.plain_string("the path of a Bicep file")?))
                    }
                }
                "metadata" => {
                    self.bump();
                    self.ident()?;
                    self.expect_punct("=")?;
                    self.expr()?;
                    Decl::Other("metadata", self.span(start, self.last_end()))
                }
                "type" | "import" | "extension" | "provider" | "assert" => {
                    let what: &'static str = match &**word {
                        "type" => "type",
                        "import" => "import",
                        "extension" => "extension",
                        "provider" => "provider",
                        _ => "assert",
                    };
                    self.bump();
                    self.skip_balanced_line()?;
                    Decl::Other(what, self.span(start, self.last_end()))
                }
                other => {
                    return self.err(format!(
                        "expected a declaration (`param`, `var`, `resource`, `module`, `output`, …), found `{other}`"
                    ));
                }
            };
            decls.push(decl);
            self.end_of_statement()?;
        }
    }

    fn decorators(&mut self) -> R<Vec<Decorator>> {
        let mut out = Vec::new();
        while self.tok().tok == Tok::At {
            let start = self.bump().start;
            let (mut name, _) = self.ident()?;
            // `@sys.description(…)`, `@az.…`
            while self.eat_punct(".") {
                name = self.ident()?.0;
            }
            let mut args = Vec::new();
            if self.eat_punct("(") {
                args = self.args_after_paren()?;
            }
            out.push(Decorator {
                name,
                args,
                span: self.span(start, self.last_end()),
            });
            self.skip_newlines();
        }
        Ok(out)
    }

    /// Skips tokens to the end of the line, brackets balanced (`type`, `import` declarations).
    fn skip_balanced_line(&mut self) -> R<()> {
        let mut depth = 0usize;
        loop {
            match &self.tok().tok {
                Tok::Eof if depth > 0 => return self.unexpected("a closing bracket"),
                Tok::Eof => return Ok(()),
                Tok::NewLine if depth == 0 => return Ok(()),
                Tok::Punct("{" | "(" | "[") => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return self.err(format!("nesting deeper than {MAX_NESTING} levels"));
                    }
                }
                Tok::Punct("}" | ")" | "]") => {
                    if depth == 0 {
                        return self.unexpected("the end of the line");
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// The text of a type (`string`, `object?`, `'a' | 'b'`, `{ a: int }`, `string[]`), up to
    /// `=` or the end of the line, brackets balanced.
    fn type_text(&mut self) -> R<String> {
        let start = self.tok().start;
        if matches!(self.tok().tok, Tok::NewLine | Tok::Eof) || self.is_punct("=") {
            return self.unexpected("a type");
        }
        let mut depth = 0usize;
        loop {
            match &self.tok().tok {
                Tok::Eof if depth > 0 => return self.unexpected("a closing bracket"),
                Tok::Eof => break,
                Tok::NewLine | Tok::Punct("=") if depth == 0 => break,
                Tok::Punct("{" | "(" | "[") => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return self.err(format!("nesting deeper than {MAX_NESTING} levels"));
                    }
                }
                Tok::Punct("}" | ")" | "]") => {
                    if depth == 0 {
                        return self.unexpected("a type");
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
        Ok(self
            .text
            .get(start..self.last_end())
            .unwrap_or_default()
            .trim()
            .to_string())
    }

    /// Skips a (function parameter or return) type until one of `stops` at depth 0.
    fn skip_type_until(&mut self, stops: &[&str]) -> R<()> {
        let mut depth = 0usize;
        loop {
            match &self.tok().tok {
                Tok::Eof => return self.unexpected(&format!("`{}`", stops.join("` or `"))),
                Tok::Punct(p) if depth == 0 && stops.contains(p) => return Ok(()),
                Tok::Punct("{" | "(" | "[") => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return self.err(format!("nesting deeper than {MAX_NESTING} levels"));
                    }
                }
                Tok::Punct("}" | ")" | "]") => {
                    if depth == 0 {
                        return self.unexpected(&format!("`{}`", stops.join("` or `")));
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// `sym 'Type@version' [existing] = body` (after the `resource` keyword).
    fn resource(&mut self, start: usize, decorators: Vec<Decorator>) -> R<ResourceDecl> {
        let (symbol, symbol_span) = self.ident()?;
        let (type_ref, type_span) = self.plain_string("a resource type `'Type@version'`")?;
        let existing = if self.is_ident("existing") {
            self.bump();
            true
        } else {
            false
        };
        self.expect_punct("=")?;
        let body = self.declaration_body()?;
        Ok(ResourceDecl {
            symbol,
            symbol_span,
            type_ref,
            type_span,
            existing,
            decorators,
            body,
            span: self.span(start, self.last_end()),
        })
    }

    /// The body of a resource or module: `{…}`, `if (c) {…}`, or `[for …: …]`.
    fn declaration_body(&mut self) -> R<Expr> {
        if self.is_ident("if") {
            return self.if_body();
        }
        match self.tok().tok {
            Tok::Punct("{" | "[") => self.expr(),
            _ => self.unexpected("`{`, `if (…)` or `[for …]`"),
        }
    }

    fn if_body(&mut self) -> R<Expr> {
        let start = self.bump().start;
        self.expect_punct("(")?;
        self.skip_newlines();
        let cond = self.expr()?;
        self.skip_newlines();
        self.expect_punct(")")?;
        self.skip_newlines();
        if !self.is_punct("{") {
            return self.unexpected("`{`");
        }
        let body = self.expr()?;
        Ok(Expr {
            kind: ExprKind::If {
                cond: Box::new(cond),
                body: Box::new(body),
            },
            span: self.span(start, self.last_end()),
        })
    }

    pub fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let e = self.ternary();
        self.leave();
        e
    }

    /// Whether the next token after newlines is one of `ops` (an operator continuing the
    /// expression on the next line); if so, skips the newlines.
    fn continues_with(&mut self, ops: &[&str]) -> bool {
        let mut k = 0;
        while *self.peek_at(k) == Tok::NewLine {
            k += 1;
        }
        if matches!(self.peek_at(k), Tok::Punct(p) if ops.contains(p)) {
            self.i += k;
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> R<Expr> {
        let cond = self.binary(0)?;
        if self.continues_with(&["?"]) {
            self.bump();
            self.skip_newlines();
            let then = self.expr()?;
            if !self.continues_with(&[":"]) {
                return self.unexpected("`:`");
            }
            self.bump();
            self.skip_newlines();
            let otherwise = self.expr()?;
            let span = Span {
                end: otherwise.span.end,
                ..cond.span
            };
            return Ok(Expr {
                kind: ExprKind::Ternary {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
            });
        }
        Ok(cond)
    }

    /// Binary operators by precedence level, lowest first.
    fn binary(&mut self, level: usize) -> R<Expr> {
        const LEVELS: &[&[&str]] = &[
            &["??"],
            &["||"],
            &["&&"],
            &["==", "!=", "=~", "!~"],
            &["<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        // `??`, `||` and `&&` may start a continuation line.
        let multiline = level <= 2;
        // A chain of operators is a tree as deep as it is long: bounded like nesting.
        let mut operands = 1usize;
        loop {
            let matched = if multiline {
                self.continues_with(ops)
            } else {
                matches!(&self.tok().tok, Tok::Punct(p) if ops.contains(p))
            };
            if !matched {
                break;
            }
            let Tok::Punct(op) = self.bump().tok else {
                break;
            };
            operands += 1;
            if operands > MAX_NESTING {
                return self.err(format!(
                    "more than {MAX_NESTING} operands in one expression"
                ));
            }
            self.skip_newlines();
            let right = self.binary(level + 1)?;
            let span = Span {
                end: right.span.end,
                ..left.span
            };
            left = Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> R<Expr> {
        if let Tok::Punct(op @ ("!" | "-")) = self.tok().tok {
            let start = self.bump().start;
            self.enter()?;
            let operand = self.unary()?;
            self.leave();
            return Ok(Expr {
                span: self.span(start, self.last_end()),
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
            });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        let mut links = 0usize;
        loop {
            links += 1;
            if links > MAX_NESTING {
                return self.err(format!(
                    "more than {MAX_NESTING} member accesses, indexes or calls in a row"
                ));
            }
            let begin = e.span;
            let wrap = |p: &Parser, kind: ExprKind| Expr {
                kind,
                span: Span {
                    end: p.lines.pos(p.text, p.last_end()),
                    ..begin
                },
            };
            match &self.tok().tok {
                Tok::Punct(dot @ ("." | ".?")) => {
                    let safe = *dot == ".?";
                    self.bump();
                    let (name, _) = self.ident()?;
                    if !safe && self.is_punct("(") {
                        self.bump();
                        let args = self.args_after_paren()?;
                        e = wrap(
                            self,
                            ExprKind::Call {
                                target: Some(Box::new(e)),
                                name,
                                args,
                            },
                        );
                    } else {
                        e = wrap(
                            self,
                            ExprKind::Member {
                                target: Box::new(e),
                                name,
                                safe,
                            },
                        );
                    }
                }
                Tok::Punct("::") => {
                    self.bump();
                    let (name, _) = self.ident()?;
                    e = wrap(
                        self,
                        ExprKind::Child {
                            target: Box::new(e),
                            name,
                        },
                    );
                }
                Tok::Punct("[") => {
                    self.bump();
                    let safe = self.eat_punct("?");
                    self.skip_newlines();
                    let index = self.expr()?;
                    self.skip_newlines();
                    self.expect_punct("]")?;
                    e = wrap(
                        self,
                        ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                            safe,
                        },
                    );
                }
                // The non-null assertion `x!` changes no value.
                Tok::Punct("!") => {
                    self.bump();
                    e.span.end = self.lines.pos(self.text, self.last_end());
                }
                _ => return Ok(e),
            }
        }
    }

    /// Arguments after `(`, up to and including `)`; newlines and a trailing comma allowed.
    fn args_after_paren(&mut self) -> R<Vec<Expr>> {
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_punct(")") {
                return Ok(args);
            }
            args.push(self.expr()?);
            self.skip_newlines();
            if !self.eat_punct(",") && !self.is_punct(")") {
                return self.unexpected("`,` or `)`");
            }
        }
    }

    /// Whether a lambda starts here: `x =>`, `() =>`, `(a, b) =>`.
    fn lambda_ahead(&self) -> bool {
        match self.peek_at(0) {
            Tok::Ident(_) => *self.peek_at(1) == Tok::Punct("=>"),
            Tok::Punct("(") => {
                let mut k = 1;
                loop {
                    match self.peek_at(k) {
                        Tok::Ident(_) | Tok::Punct(",") | Tok::NewLine => k += 1,
                        Tok::Punct(")") => return *self.peek_at(k + 1) == Tok::Punct("=>"),
                        _ => return false,
                    }
                }
            }
            _ => false,
        }
    }

    fn primary(&mut self) -> R<Expr> {
        let t = self.tok();
        let start = t.start;
        if self.lambda_ahead() {
            let mut params = Vec::new();
            if self.eat_punct("(") {
                loop {
                    self.skip_newlines();
                    if self.eat_punct(")") {
                        break;
                    }
                    params.push(self.ident()?.0);
                    self.skip_newlines();
                    self.eat_punct(",");
                }
            } else {
                params.push(self.ident()?.0);
            }
            self.expect_punct("=>")?;
            self.skip_newlines();
            let body = self.expr()?;
            return Ok(Expr {
                span: self.span(start, self.last_end()),
                kind: ExprKind::Lambda {
                    params,
                    body: Box::new(body),
                },
            });
        }
        let kind = match &t.tok {
            Tok::Int(i) => {
                self.bump();
                ExprKind::Int(*i)
            }
            Tok::Str(parts) => {
                self.bump();
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    match p {
                        StrPart::Lit(s) => out.push(Part::Lit(s.clone())),
                        StrPart::Expr(toks) => {
                            let mut sub = self.sub(toks);
                            sub.enter()?;
                            sub.skip_newlines();
                            let e = sub.expr()?;
                            sub.skip_newlines();
                            if sub.tok().tok != Tok::Eof {
                                return sub.unexpected("`}`");
                            }
                            out.push(Part::Expr(e));
                        }
                    }
                }
                ExprKind::Str(out)
            }
            Tok::MultiStr(s) => {
                self.bump();
                ExprKind::Str(vec![Part::Lit(s.to_string())])
            }
            Tok::Ident(w) => match &**w {
                "true" => {
                    self.bump();
                    ExprKind::Bool(true)
                }
                "false" => {
                    self.bump();
                    ExprKind::Bool(false)
                }
                "null" => {
                    self.bump();
                    ExprKind::Null
                }
                _ => {
                    self.bump();
                    if self.is_punct("(") {
                        self.bump();
                        let args = self.args_after_paren()?;
                        ExprKind::Call {
                            target: None,
                            name: w.clone(),
                            args,
                        }
                    } else {
                        ExprKind::Ident(w.clone())
                    }
                }
            },
            Tok::Punct("(") => {
                self.bump();
                self.skip_newlines();
                let inner = self.expr()?;
                self.skip_newlines();
                self.expect_punct(")")?;
                return Ok(Expr {
                    kind: inner.kind,
                    span: self.span(start, self.last_end()),
                });
            }
            Tok::Punct("{") => {
                self.bump();
                return self.object(start);
            }
            Tok::Punct("[") => {
                self.bump();
                return self.array(start);
            }
            _ => return self.unexpected("an expression"),
        };
        Ok(Expr {
            kind,
            span: self.span(start, self.last_end()),
        })
    }

    /// Members separated by newlines or commas, after `{`.
    fn object(&mut self, start: usize) -> R<Expr> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_punct("}") {
                break;
            }
            // Decorators on members (`@description`) say nothing about values.
            let decorators = self.decorators()?;
            if self.eat_punct("...") {
                let e = self.expr()?;
                items.push(ObjectItem::Spread(e));
                match &self.tok().tok {
                    Tok::Punct(",") | Tok::NewLine => {
                        self.bump();
                    }
                    Tok::Punct("}") => {}
                    _ => {
                        self.leave();
                        return self.unexpected("a new line, `,` or `}`");
                    }
                }
                continue;
            }
            let key_tok = self.tok();
            if let Tok::Ident(w) = &key_tok.tok
                && &**w == "resource"
                && matches!(self.peek_at(1), Tok::Ident(_))
            {
                self.bump();
                items.push(ObjectItem::Resource(Box::new(
                    self.resource(key_tok.start, decorators)?,
                )));
            } else {
                let key: Box<str> = match &key_tok.tok {
                    Tok::Ident(w) => w.clone(),
                    Tok::Str(parts) => match &parts[..] {
                        [StrPart::Lit(s)] => s.as_str().into(),
                        _ => {
                            let key = self.primary()?;
                            self.expect_punct(":")?;
                            self.skip_newlines();
                            let value = self.expr()?;
                            items.push(ObjectItem::Computed { key, value });
                            match &self.tok().tok {
                                Tok::Punct(",") | Tok::NewLine => {
                                    self.bump();
                                }
                                Tok::Punct("}") => {}
                                _ => {
                                    self.leave();
                                    return self.unexpected("a new line, `,` or `}`");
                                }
                            }
                            continue;
                        }
                    },
                    _ => return self.unexpected("a property name or `}`"),
                };
                self.bump();
                let key_span = self.span(key_tok.start, key_tok.end);
                self.expect_punct(":")?;
                self.skip_newlines();
                let value = self.expr()?;
                items.push(ObjectItem::Property {
                    key,
                    key_span,
                    value,
                });
            }
            match &self.tok().tok {
                Tok::Punct(",") | Tok::NewLine => {
                    self.bump();
                }
                Tok::Punct("}") => {}
                _ => {
                    self.leave();
                    return self.unexpected("a new line, `,` or `}`");
                }
            }
        }
        self.leave();
        Ok(Expr {
            kind: ExprKind::Object(items),
            span: self.span(start, self.last_end()),
        })
    }

    /// Items separated by newlines or commas, or a `for` expression, after `[`.
    fn array(&mut self, start: usize) -> R<Expr> {
        self.enter()?;
        self.skip_newlines();
        if self.is_ident("for") {
            self.bump();
            let (item, index) = if self.eat_punct("(") {
                let (item, _) = self.ident()?;
                let index = if self.eat_punct(",") {
                    Some(self.ident()?.0)
                } else {
                    None
                };
                self.expect_punct(")")?;
                (item, index)
            } else {
                (self.ident()?.0, None)
            };
            if !self.is_ident("in") {
                return self.unexpected("`in`");
            }
            self.bump();
            let iterable = self.expr()?;
            self.expect_punct(":")?;
            self.skip_newlines();
            let body = if self.is_ident("if") && *self.peek_at(1) == Tok::Punct("(") {
                self.if_body()?
            } else {
                self.expr()?
            };
            self.skip_newlines();
            self.expect_punct("]")?;
            self.leave();
            return Ok(Expr {
                kind: ExprKind::For {
                    item,
                    index,
                    iterable: Box::new(iterable),
                    body: Box::new(body),
                },
                span: self.span(start, self.last_end()),
            });
        }
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_punct("]") {
                break;
            }
            if self.is_punct("...") {
                let start = self.bump().start;
                let e = self.expr()?;
                items.push(Expr {
                    span: self.span(start, self.last_end()),
                    kind: ExprKind::Spread(Box::new(e)),
                });
            } else {
                items.push(self.expr()?);
            }
            match &self.tok().tok {
                Tok::Punct(",") | Tok::NewLine => {
                    self.bump();
                }
                Tok::Punct("]") => {}
                _ => {
                    self.leave();
                    return self.unexpected("a new line, `,` or `]`");
                }
            }
        }
        self.leave();
        Ok(Expr {
            kind: ExprKind::Array(items),
            span: self.span(start, self.last_end()),
        })
    }
}

impl Expr {
    /// The expression printed back canonically (names unknown values inside resource IDs).
    pub fn text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, 0);
        s
    }

    fn write(&self, out: &mut String, depth: usize) {
        use std::fmt::Write;
        if depth > MAX_NESTING || out.len() > 4096 {
            out.push('…');
            return;
        }
        let d = depth + 1;
        match &self.kind {
            ExprKind::Null => out.push_str("null"),
            ExprKind::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            ExprKind::Int(i) => {
                let _ = write!(out, "{i}");
            }
            ExprKind::Str(parts) => {
                out.push('\'');
                for p in parts {
                    match p {
                        Part::Lit(l) => out.push_str(&l.replace('\'', "\\'")),
                        Part::Expr(e) => {
                            out.push_str("${");
                            e.write(out, d);
                            out.push('}');
                        }
                    }
                }
                out.push('\'');
            }
            ExprKind::Ident(n) => out.push_str(n),
            ExprKind::Array(items) => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write(out, d);
                }
                out.push(']');
            }
            ExprKind::Object(_) => out.push_str("{…}"),
            ExprKind::Member { target, name, safe } => {
                target.write(out, d);
                out.push_str(if *safe { ".?" } else { "." });
                out.push_str(name);
            }
            ExprKind::Index {
                target,
                index,
                safe,
            } => {
                target.write(out, d);
                out.push_str(if *safe { "[?" } else { "[" });
                index.write(out, d);
                out.push(']');
            }
            ExprKind::Child { target, name } => {
                target.write(out, d);
                out.push_str("::");
                out.push_str(name);
            }
            ExprKind::Call { target, name, args } => {
                if let Some(t) = target {
                    t.write(out, d);
                    out.push('.');
                }
                out.push_str(name);
                out.push('(');
                for (i, x) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write(out, d);
                }
                out.push(')');
            }
            ExprKind::Unary { op, operand } => {
                out.push_str(op);
                operand.write(out, d);
            }
            ExprKind::Binary { op, left, right } => {
                left.write(out, d);
                let _ = write!(out, " {op} ");
                right.write(out, d);
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                cond.write(out, d);
                out.push_str(" ? ");
                then.write(out, d);
                out.push_str(" : ");
                otherwise.write(out, d);
            }
            ExprKind::Lambda { .. } => out.push_str("(lambda)"),
            ExprKind::Spread(e) => {
                out.push_str("...");
                e.write(out, d);
            }
            ExprKind::For { .. } => out.push_str("[for …]"),
            ExprKind::If { body, .. } => body.write(out, d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Pos;

    fn ok(text: &str) -> Program {
        match parse(text, 0) {
            Ok(p) => p,
            Err((pos, m)) => panic!("{text}\n→ {}:{}: {m}", pos.line, pos.col),
        }
    }

    fn err(text: &str) -> (Pos, String) {
        parse(text, 0).expect_err(text)
    }

    /// The value of `var x = …` in `text`.
    fn var(text: &str) -> Expr {
        let p = ok(text);
        p.decls
            .into_iter()
            .find_map(|d| match d {
                Decl::Var { value, .. } => Some(value),
                _ => None,
            })
            .expect("a var")
    }

    #[test]
    fn declarations_of_every_kind() {
        let p = ok(r#"
targetScope = 'subscription'
metadata info = { owner: 'me' }
import { a, b } from './types.bicep'
import * as t from 'types.bicep'
extension microsoftGraph
type pool = {
  name: string
  @minValue(1)
  count: int?
}
@export()
func double(x int) int => x * 2
@secure()
param pwd string
@allowed([
  'a'
  'b'
])
@description('which')
param choice string = 'a'
@minValue(1)
@maxValue(10)
param n int = 3
param tags object?
param pools pool[] = []
var v = n + 1
var typed string = 'x'
output o string = v
output r resource 'Microsoft.X/y@2020-01-01' = x
"#);
        let kinds: Vec<&str> = p
            .decls
            .iter()
            .map(|d| match d {
                Decl::TargetScope(_) => "targetScope",
                Decl::Param(_) => "param",
                Decl::Var { .. } => "var",
                Decl::Output { .. } => "output",
                Decl::Func { .. } => "func",
                Decl::Other(k, _) => k,
                _ => "?",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "targetScope",
                "metadata",
                "import",
                "import",
                "extension",
                "type",
                "func",
                "param",
                "param",
                "param",
                "param",
                "param",
                "var",
                "var",
                "output",
                "output"
            ]
        );
        let Decl::Param(pwd) = &p.decls[7] else {
            panic!()
        };
        assert_eq!(&*pwd.decorators[0].name, "secure");
        assert_eq!(pwd.ty, "string");
        assert!(pwd.default.is_none());
        let Decl::Param(choice) = &p.decls[8] else {
            panic!()
        };
        assert_eq!(
            choice
                .decorators
                .iter()
                .map(|d| &*d.name)
                .collect::<Vec<_>>(),
            ["allowed", "description"]
        );
        assert_eq!(choice.name_span.start, Pos::new(21, 7));
        let Decl::Param(tags) = &p.decls[10] else {
            panic!()
        };
        assert_eq!(tags.ty, "object?");
    }

    #[test]
    fn resources_with_parent_children_existing_conditions_and_loops() {
        let p = ok(r#"
resource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' existing = {
  name: 'v'
  resource sub 'subnets' = {
    name: 's'
  }
}
resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = if (deploy) {
  name: 'a'
  @description('pools')
  resource pool 'agentPools@2024-05-01' = {
    name: 'p'
  }
}
resource pe 'Microsoft.Network/privateEndpoints@2023-05-01' = [for (x, i) in items: {
  name: 'pe${i}'
  parent: aks
}]
resource f 'A.B/c@1' = [for x in xs: if (x.on) {
  name: x.name
}]
module m './mod.bicep' = {
  name: 'm'
  params: { a: 1, b: 'two' }
}
module r 'br/public:avm/res/x:1.0.0' = if (false) {
  name: 'r'
}
"#);
        let Decl::Resource(vnet) = &p.decls[0] else {
            panic!()
        };
        assert!(vnet.existing);
        assert_eq!(
            &*vnet.type_ref,
            "Microsoft.Network/virtualNetworks@2023-05-01"
        );
        let ExprKind::Object(items) = &vnet.body.kind else {
            panic!()
        };
        assert!(matches!(&items[1], ObjectItem::Resource(r) if &*r.type_ref == "subnets"));
        let Decl::Resource(aks) = &p.decls[1] else {
            panic!()
        };
        assert!(matches!(aks.body.kind, ExprKind::If { .. }));
        let Decl::Resource(pe) = &p.decls[2] else {
            panic!()
        };
        let ExprKind::For { item, index, .. } = &pe.body.kind else {
            panic!()
        };
        assert_eq!((&**item, index.as_deref()), ("x", Some("i")));
        let Decl::Resource(f) = &p.decls[3] else {
            panic!()
        };
        let ExprKind::For { body, .. } = &f.body.kind else {
            panic!()
        };
        assert!(matches!(body.kind, ExprKind::If { .. }));
        assert!(matches!(&p.decls[4], Decl::Module { path, .. } if &**path == "./mod.bicep"));
        assert!(
            matches!(&p.decls[5], Decl::Module { body, .. } if matches!(body.kind, ExprKind::If { .. }))
        );
    }

    #[test]
    fn expressions() {
        let e = var("var x = 'a${b}c${d.e}'");
        let ExprKind::Str(parts) = &e.kind else {
            panic!()
        };
        assert_eq!(parts.len(), 4);
        assert_eq!(
            var("var x = 'it\\'s \\${no}'").kind,
            ExprKind::Str(vec![Part::Lit("it's ${no}".into())])
        );
        assert_eq!(
            var("var x = '''\nline1\n  'quoted'\n'''").kind,
            ExprKind::Str(vec![Part::Lit("line1\n  'quoted'\n".into())])
        );
        // Precedence: ternary < ?? < || < && < == < + < *.
        assert_eq!(
            var("var x = a ?? b || c && d == e + f * g ? h : i").text(),
            "a ?? b || c && d == e + f * g ? h : i"
        );
        let t = var("var x = a ?? b || c ? 1 : 2");
        assert!(matches!(t.kind, ExprKind::Ternary { .. }));
        let ExprKind::Ternary { cond, .. } = &t.kind else {
            panic!()
        };
        assert!(matches!(&cond.kind, ExprKind::Binary { op: "??", .. }));
        let m = var("var x = 1 + 2 * 3");
        let ExprKind::Binary { op: "+", right, .. } = &m.kind else {
            panic!()
        };
        assert!(matches!(right.kind, ExprKind::Binary { op: "*", .. }));
        assert!(matches!(
            var("var x = !a").kind,
            ExprKind::Unary { op: "!", .. }
        ));
        assert!(matches!(
            var("var x = a =~ 'B'").kind,
            ExprKind::Binary { op: "=~", .. }
        ));
        assert!(matches!(
            var("var x = a <= 3").kind,
            ExprKind::Binary { op: "<=", .. }
        ));
        assert!(matches!(
            var("var x = a.?b").kind,
            ExprKind::Member { safe: true, .. }
        ));
        assert!(matches!(
            var("var x = a[?0]").kind,
            ExprKind::Index { safe: true, .. }
        ));
        assert!(matches!(
            var("var x = a!.b").kind,
            ExprKind::Member { safe: false, .. }
        ));
        assert!(matches!(
            var("var x = vnet::sub.id").kind,
            ExprKind::Member { .. }
        ));
        assert!(matches!(
            var("var x = az.resourceGroup().location").kind,
            ExprKind::Member { .. }
        ));
        let c = var("var x = sys.concat('a', 'b')");
        assert!(
            matches!(&c.kind, ExprKind::Call { target: Some(_), name, .. } if &**name == "concat")
        );
        let l = var("var x = map(xs, x => x.name)");
        let ExprKind::Call { args, .. } = &l.kind else {
            panic!()
        };
        assert!(matches!(&args[1].kind, ExprKind::Lambda { params, .. } if params.len() == 1));
        let r = var("var x = reduce(xs, 0, (acc, x) => acc + x)");
        let ExprKind::Call { args, .. } = &r.kind else {
            panic!()
        };
        assert!(matches!(&args[2].kind, ExprKind::Lambda { params, .. } if params.len() == 2));
        assert!(matches!(
            var("var x = sort(xs, (a, b) => a < b)").kind,
            ExprKind::Call { .. }
        ));
        assert!(matches!(
            var("var x = filter(xs, x => x.on)").kind,
            ExprKind::Call { .. }
        ));
        assert!(matches!(
            var("var x = (1 + 2) * 3").kind,
            ExprKind::Binary { op: "*", .. }
        ));
        assert!(matches!(
            var("var x = [for (x, i) in range(0, 3): x * i]").kind,
            ExprKind::For { .. }
        ));
        assert!(matches!(
            var("var x = [for x in xs: if (x > 1) { v: x }]").kind,
            ExprKind::For { .. }
        ));
        // Objects and arrays: newline- and comma-separated, trailing commas, quoted keys.
        let o = var("var x = {\n  a: 1\n  'b-c': [1, 2,]\n  d: { e: true, f: null }\n}");
        let ExprKind::Object(items) = &o.kind else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        let k = var("var x = {\n  '${k}': 1\n}");
        assert!(
            matches!(&k.kind, ExprKind::Object(items) if matches!(items[0], ObjectItem::Computed { .. }))
        );
        let sp = var("var x = {\n  a: 1\n  ...(c ? { b: 2 } : {})\n}");
        assert!(
            matches!(&sp.kind, ExprKind::Object(items) if matches!(items[1], ObjectItem::Spread(_)))
        );
        assert!(
            matches!(var("var x = [1, ...ys]").kind, ExprKind::Array(ref items) if matches!(items[1].kind, ExprKind::Spread(_)))
        );
        // Pragmas are comments.
        assert!(parse("#disable-next-line no-unused-params\nparam p string\n", 0).is_ok());
        let a = var("var x = [\n  1\n  'two'\n  { three: 3 }\n]");
        assert!(matches!(&a.kind, ExprKind::Array(items) if items.len() == 3));
        // Multi-line continuations of ternaries and logical operators.
        assert!(matches!(
            var("var x = a\n  ? b\n  : c").kind,
            ExprKind::Ternary { .. }
        ));
        assert!(matches!(
            var("var x = a\n  && b\n  || c").kind,
            ExprKind::Binary { op: "||", .. }
        ));
        // Multi-line call arguments.
        assert!(matches!(
            var("var x = union(\n  a,\n  b\n)").kind,
            ExprKind::Call { .. }
        ));
    }

    #[test]
    fn comments_are_ignored_and_spans_are_exact() {
        let p = ok("// lead\n/* block\n comment */ var x = /* in */ 'v' // tail\n");
        let Decl::Var {
            value, name_span, ..
        } = &p.decls[0]
        else {
            panic!()
        };
        assert_eq!(name_span.start, Pos::new(3, 17));
        assert_eq!(
            (value.span.start, value.span.end),
            (Pos::new(3, 30), Pos::new(3, 33))
        );
        // Columns count characters, not bytes; CRLF keeps columns.
        let p = ok("var e = 'ü'\r\nvar y = 1\r\n");
        let Decl::Var { value, .. } = &p.decls[1] else {
            panic!()
        };
        assert_eq!(value.span.start, Pos::new(2, 9));
    }

    #[test]
    fn syntax_errors_have_their_position() {
        let cases: &[(&str, (u32, u32), &str)] = &[
            ("var x = \nvar y = 1", (1, 9), "expected an expression"),
            (
                "resource a 'T@1' = {\n  name: 'a'\n  properties: {\n    x: 1 2\n  }\n}",
                (4, 10),
                "expected a new line",
            ),
            (
                "param p string = 'unterminated\n",
                (1, 18),
                "unterminated string",
            ),
            ("var x = {\n  a: 1\n", (3, 1), "expected a property name"),
            ("resource a 'T@1' = 5", (1, 20), "expected `{`"),
            ("wat x = 1", (1, 1), "expected a declaration"),
            ("var x = 'a${b'", (1, 14), "unterminated"),
            ("var x = 1 # 2", (1, 11), "unexpected character"),
            ("var x = 'bad \\q escape'", (1, 14), "invalid escape"),
            ("/* never closed", (1, 1), "unterminated `/*`"),
            ("var x = 99999999999999999999", (1, 9), "too large"),
            ("module m 'a${b}.bicep' = {}", (1, 10), "cannot contain"),
            ("var x = {\n  '${k}' 1\n}", (2, 10), "expected `:`"),
        ];
        for (text, (line, col), want) in cases {
            let (pos, message) = err(text);
            assert_eq!((pos.line, pos.col), (*line, *col), "{text}: {message}");
            assert!(message.contains(want), "{text}: {message}");
        }
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        for (open, close) in [("[", "]"), ("{a: ", "}"), ("(", ")"), ("!", ""), ("-", "")] {
            let text = format!("var x = {}1{}", open.repeat(100_000), close.repeat(100_000));
            let (_, message) = err(&text);
            assert!(message.contains("nesting deeper"), "{open}: {message}");
        }
        let text = format!("var x = {}", "'${".repeat(1000));
        assert!(parse(&text, 0).is_err());
        // A long chain is as deep a tree as a nested one: refused too.
        let long = format!("var x = 1{}", " + 1".repeat(50_000));
        assert!(err(&long).1.contains("operands"));
        let long = format!("var x = a{}", ".b".repeat(50_000));
        assert!(err(&long).1.contains("in a row"));
        assert!(parse(&format!("var x = 1{}", " + 1".repeat(100)), 0).is_ok());
        let t = format!(
            "type t = {}string{}",
            "{a: ".repeat(10_000),
            "}".repeat(10_000)
        );
        assert!(err(&t).1.contains("nesting deeper"));
    }

    #[test]
    fn bicepparam_files() {
        let p = ok("using './main.bicep'\n\nparam env = 'prod'\nparam n = 3\nvar x = 1\n");
        assert!(matches!(&p.decls[0], Decl::Using(Some((u, _))) if &**u == "./main.bicep"));
        assert!(matches!(&p.decls[1], Decl::ParamValue { name, .. } if &**name == "env"));
        assert!(matches!(ok("using none\n").decls[0], Decl::Using(None)));
    }

    #[test]
    fn never_panics_on_arbitrary_prefixes() {
        let text = "targetScope = 'resourceGroup'\n@secure()\nparam p string\nresource a 'A.B/c@1' = [for (x, i) in range(0, 3): if (i > 0) {\n  name: 'a${i}'\n  properties: { v: x.?y[?0] ?? (p == 'a' ? 1 : 2), l: map([1], y => y * 2) }\n}]\n";
        for end in 0..=text.len() {
            if text.is_char_boundary(end) {
                let _ = parse(&text[..end], 0);
            }
        }
    }
}
