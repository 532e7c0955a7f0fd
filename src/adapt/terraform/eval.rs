//! Terraform expressions evaluated into spanned values, with unknown as a value: what cannot be
//! known before apply (another resource's attributes, data sources, a variable without a value)
//! is `Value::Unknown`, and every operation on it stays unknown unless the result is decided
//! anyway (`false && x`, `try`, a conditional whose condition is known).
//!
//! Every node gets the span of the expression that produced it; a value read through a
//! reference (`var.x`, `local.y`, `module.m.out`, `each.value`) is re-spanned to the reference,
//! so a finding lands where the resource uses the value. Work is charged to a [`Budget`].

use std::cell::Cell;
use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Template};

use super::functions;
use crate::model::{Entry, Node, Span, Value};

/// Why an evaluation produced no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail {
    /// A Terraform evaluation error (`try` and `can` catch it; elsewhere the value is unknown).
    Error,
    /// The work budget is spent: everything stops.
    Budget,
}

pub type R = Result<Node, Fail>;

/// Steps, nodes and depth one root module's evaluation may use (DESIGN §6).
#[derive(Debug)]
pub struct Budget {
    left: Cell<u64>,
    depth: Cell<u32>,
    pub exceeded: Cell<bool>,
}

pub const MAX_DEPTH: u32 = 160;

impl Budget {
    pub fn new(units: u64) -> Self {
        Budget {
            left: Cell::new(units),
            depth: Cell::new(0),
            exceeded: Cell::new(false),
        }
    }

    /// Charges `n` units (steps or nodes about to be made); fails before the work is done.
    pub fn charge(&self, n: u64) -> Result<(), Fail> {
        let left = self.left.get();
        if self.exceeded.get() || n > left {
            self.exceeded.set(true);
            self.left.set(0);
            return Err(Fail::Budget);
        }
        self.left.set(left - n);
        Ok(())
    }

    pub fn enter(&self) -> Result<DepthGuard<'_>, Fail> {
        let d = self.depth.get() + 1;
        if d > MAX_DEPTH {
            self.exceeded.set(true);
            return Err(Fail::Budget);
        }
        self.depth.set(d);
        Ok(DepthGuard(self))
    }
}

pub struct DepthGuard<'a>(&'a Budget);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.depth.set(self.0.depth.get().saturating_sub(1));
    }
}

/// What names mean where an expression is evaluated: the module's variables, locals, module
/// calls and resources. Implemented by the module scope.
pub trait Names {
    fn var(&self, name: &str, at: Span) -> R;
    fn local(&self, name: &str, at: Span) -> R;
    /// `module.<name>` (all instances).
    fn module(&self, name: &str, at: Span) -> R;
    fn path(&self, which: &str) -> Option<String>;
    /// Whether `name` is a managed resource type of this module (`azurerm_x` of `azurerm_x.y`).
    fn is_resource_type(&self, name: &str) -> bool;
    fn is_sensitive_var(&self, name: &str) -> bool;
}

/// Converts parser byte ranges to spans of one file.
pub trait Spans {
    fn span(&self, range: Option<Range<usize>>) -> Span;
}

/// Bindings in effect: `count`, `each`, `for` variables, `dynamic` iterators.
#[derive(Default)]
pub struct Env {
    vars: Vec<(Box<str>, Node)>,
}

impl Env {
    pub fn push(&mut self, name: &str, value: Node) {
        self.vars.push((name.into(), value));
    }

    pub fn pop(&mut self) {
        self.vars.pop();
    }

    fn get(&self, name: &str) -> Option<&Node> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v)
    }
}

pub struct Eval<'a> {
    pub names: &'a dyn Names,
    pub spans: &'a dyn Spans,
    pub budget: &'a Budget,
    /// Spans of values derived from sensitive variables (never printed).
    pub sensitive: &'a std::cell::RefCell<Vec<Span>>,
}

pub fn unknown(span: Span) -> Node {
    Node::new(Value::Unknown, span)
}

pub fn string(s: impl Into<Box<str>>, span: Span) -> Node {
    Node::new(Value::Str(s.into()), span)
}

/// Gives every node of `n` the span `to` (a value read through a reference).
pub fn respan(n: &mut Node, to: Span, budget: &Budget) -> Result<(), Fail> {
    budget.charge(1)?;
    n.span = to;
    match &mut n.value {
        Value::Seq(items) => {
            for i in items {
                respan(i, to, budget)?;
            }
        }
        Value::Map(entries) => {
            for e in entries {
                e.key_span = to;
                respan(&mut e.value, to, budget)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A deep copy, charged to the budget.
pub fn copy(n: &Node, budget: &Budget) -> R {
    budget.charge(n.count() as u64)?;
    Ok(n.clone())
}

/// Whether the value holds an unknown anywhere.
pub fn has_unknown(n: &Node) -> bool {
    match &n.value {
        Value::Unknown => true,
        Value::Seq(items) => items.iter().any(has_unknown),
        Value::Map(entries) => entries.iter().any(|e| has_unknown(&e.value)),
        _ => false,
    }
}

/// The text of a scalar as Terraform converts it to a string.
pub fn to_text(n: &Node) -> Result<Option<String>, Fail> {
    Ok(Some(match &n.value {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        Value::Unknown => return Ok(None),
        _ => return Err(Fail::Error),
    }))
}

pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A Terraform object (map): keys sorted, the last of a repeated key kept.
pub fn object(mut entries: Vec<Entry>, span: Span) -> Node {
    entries.reverse();
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.key.clone()));
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    Node::new(Value::Map(entries), span)
}

fn number(n: &hcl_edit::Number, span: Span) -> Node {
    match (n.is_f64(), n.as_i64(), n.as_f64()) {
        (false, Some(i), _) => Node::new(Value::Int(i), span),
        (_, _, Some(f)) => Node::new(Value::Float(f), span),
        _ => Node::new(Value::Float(0.0), span),
    }
}

impl Eval<'_> {
    fn span_of(&self, e: &dyn hcl_edit::Span) -> Span {
        self.spans.span(e.span())
    }

    pub fn expr_span(&self, e: &Expression) -> Span {
        self.spans.span(e.span())
    }

    pub fn eval(&self, e: &Expression, env: &mut Env) -> R {
        self.budget.charge(1)?;
        let _depth = self.budget.enter()?;
        let span = self.expr_span(e);
        match e {
            Expression::Null(_) => Ok(Node::new(Value::Null, span)),
            Expression::Bool(b) => Ok(Node::new(Value::Bool(*b.value()), span)),
            Expression::Number(n) => Ok(number(n.value(), span)),
            Expression::String(s) => Ok(string(s.value().as_str(), span)),
            Expression::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for x in a.iter() {
                    items.push(self.eval(x, env)?);
                }
                Ok(Node::new(Value::Seq(items), span))
            }
            Expression::Object(o) => {
                let mut entries = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let (key, key_span) = match k {
                        ObjectKey::Ident(i) => (i.value().as_str().to_string(), self.span_of(i)),
                        ObjectKey::Expression(x) => {
                            // A bare name is the key itself, as in Terraform.
                            let key = match x {
                                Expression::Variable(v) => v.value().as_str().to_string(),
                                _ => {
                                    let kn = self.eval(x, env)?;
                                    match to_text(&kn)? {
                                        Some(t) => t,
                                        None => return Ok(unknown(span)),
                                    }
                                }
                            };
                            (key, self.expr_span(x))
                        }
                    };
                    let value = self.eval(v.expr(), env)?;
                    entries.push(Entry {
                        key: key.into(),
                        key_span,
                        value,
                    });
                }
                Ok(object(entries, span))
            }
            Expression::StringTemplate(t) => self.template(t, span, env),
            Expression::HeredocTemplate(h) => self.template(&h.template, span, env),
            Expression::Parenthesis(p) => {
                let mut v = self.eval(p.inner(), env)?;
                v.span = span;
                Ok(v)
            }
            Expression::Variable(v) => {
                let name = v.value().as_str();
                match env.get(name) {
                    Some(b) => {
                        let mut n = copy(b, self.budget)?;
                        respan(&mut n, span, self.budget)?;
                        Ok(n)
                    }
                    None if self.names.is_resource_type(name) => Ok(unknown(span)),
                    None => Err(Fail::Error),
                }
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, env)?;
                match cond.value {
                    Value::Bool(true) => self.eval(&c.true_expr, env),
                    Value::Bool(false) => self.eval(&c.false_expr, env),
                    Value::Str(ref s) if &**s == "true" => self.eval(&c.true_expr, env),
                    Value::Str(ref s) if &**s == "false" => self.eval(&c.false_expr, env),
                    Value::Unknown => Ok(unknown(span)),
                    _ => Err(Fail::Error),
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                if !f.name.namespace.is_empty() {
                    // Provider functions (`provider::azapi::parse_resource_id`): unknown.
                    for a in f.args.iter() {
                        self.eval(a, env)?;
                    }
                    return Ok(unknown(span));
                }
                match name {
                    "try" => {
                        for a in f.args.iter() {
                            match self.eval(a, env) {
                                Ok(v) => return Ok(v),
                                Err(Fail::Budget) => return Err(Fail::Budget),
                                Err(Fail::Error) => {}
                            }
                        }
                        Err(Fail::Error)
                    }
                    "can" => {
                        let Some(a) = f.args.iter().next() else {
                            return Err(Fail::Error);
                        };
                        match self.eval(a, env) {
                            Ok(v) if v.is_unknown() => Ok(unknown(span)),
                            Ok(_) => Ok(Node::new(Value::Bool(true), span)),
                            Err(Fail::Budget) => Err(Fail::Budget),
                            Err(Fail::Error) => Ok(Node::new(Value::Bool(false), span)),
                        }
                    }
                    _ => {
                        let mut args = Vec::with_capacity(f.args.len());
                        for a in f.args.iter() {
                            args.push(self.eval(a, env)?);
                        }
                        if f.args.expand_final() {
                            match args.pop().map(|n| n.value) {
                                Some(Value::Seq(items)) => args.extend(items),
                                Some(Value::Unknown) => return Ok(unknown(span)),
                                _ => return Err(Fail::Error),
                            }
                        }
                        let sensitive = {
                            let s = self.sensitive.borrow();
                            args.iter().any(|a| s.contains(&a.span))
                        };
                        let out = functions::call(name, args, span, self.budget)?;
                        if sensitive && name != "nonsensitive" {
                            self.sensitive.borrow_mut().push(span);
                        }
                        Ok(out)
                    }
                }
            }
            Expression::Traversal(t) => self.traversal(&t.expr, &t.operators, span, env),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, env)?;
                match (u.operator.value(), &v.value) {
                    (_, Value::Unknown) => Ok(unknown(span)),
                    (UnaryOperator::Not, Value::Bool(b)) => Ok(Node::new(Value::Bool(!b), span)),
                    (UnaryOperator::Neg, Value::Int(i)) => Ok(Node::new(
                        Value::Int(i.checked_neg().ok_or(Fail::Error)?),
                        span,
                    )),
                    (UnaryOperator::Neg, Value::Float(f)) => Ok(Node::new(Value::Float(-f), span)),
                    _ => Err(Fail::Error),
                }
            }
            Expression::BinaryOp(b) => {
                self.binary(*b.operator.value(), &b.lhs_expr, &b.rhs_expr, span, env)
            }
            Expression::ForExpr(f) => self.for_expr(f, span, env),
        }
    }

    fn binary(
        &self,
        op: BinaryOperator,
        lhs: &Expression,
        rhs: &Expression,
        span: Span,
        env: &mut Env,
    ) -> R {
        use BinaryOperator as B;
        let l = self.eval(lhs, env)?;
        // Logic decided by one known side, as three-valued logic allows.
        if matches!(op, B::And | B::Or) {
            let r = self.eval(rhs, env)?;
            let as_bool = |n: &Node| match &n.value {
                Value::Bool(b) => Ok(Some(*b)),
                Value::Unknown => Ok(None),
                _ => Err(Fail::Error),
            };
            let (a, b) = (as_bool(&l)?, as_bool(&r)?);
            let out = match (op, a, b) {
                (B::And, Some(false), _) | (B::And, _, Some(false)) => Some(false),
                (B::And, Some(true), Some(true)) => Some(true),
                (B::Or, Some(true), _) | (B::Or, _, Some(true)) => Some(true),
                (B::Or, Some(false), Some(false)) => Some(false),
                _ => None,
            };
            return Ok(out.map_or_else(|| unknown(span), |v| Node::new(Value::Bool(v), span)));
        }
        let r = self.eval(rhs, env)?;
        if matches!(op, B::Eq | B::NotEq) {
            return Ok(match equal(&l, &r) {
                Some(same) => Node::new(Value::Bool(same == (op == B::Eq)), span),
                None => unknown(span),
            });
        }
        if l.is_unknown() || r.is_unknown() {
            return Ok(unknown(span));
        }
        let num = |n: &Node| match &n.value {
            Value::Int(i) => Ok(Num::I(*i)),
            Value::Float(f) => Ok(Num::F(*f)),
            Value::Str(s) => s
                .trim()
                .parse::<i64>()
                .map(Num::I)
                .or_else(|_| s.trim().parse::<f64>().map(Num::F))
                .map_err(|_| Fail::Error),
            _ => Err(Fail::Error),
        };
        let (a, b) = (num(&l)?, num(&r)?);
        let value = match op {
            B::Less => Value::Bool(a.f() < b.f()),
            B::LessEq => Value::Bool(a.f() <= b.f()),
            B::Greater => Value::Bool(a.f() > b.f()),
            B::GreaterEq => Value::Bool(a.f() >= b.f()),
            _ => match (a, b) {
                (Num::I(x), Num::I(y)) => match op {
                    B::Plus => x
                        .checked_add(y)
                        .map_or(Value::Float(x as f64 + y as f64), Value::Int),
                    B::Minus => x
                        .checked_sub(y)
                        .map_or(Value::Float(x as f64 - y as f64), Value::Int),
                    B::Mul => x
                        .checked_mul(y)
                        .map_or(Value::Float(x as f64 * y as f64), Value::Int),
                    B::Div if y == 0 => return Err(Fail::Error),
                    B::Div if x % y == 0 => Value::Int(x / y),
                    B::Div => Value::Float(x as f64 / y as f64),
                    B::Mod if y == 0 => return Err(Fail::Error),
                    B::Mod => Value::Int(x.wrapping_rem(y)),
                    _ => return Err(Fail::Error),
                },
                (a, b) => {
                    let (x, y) = (a.f(), b.f());
                    Value::Float(match op {
                        B::Plus => x + y,
                        B::Minus => x - y,
                        B::Mul => x * y,
                        B::Div if y == 0.0 => return Err(Fail::Error),
                        B::Div => x / y,
                        B::Mod if y == 0.0 => return Err(Fail::Error),
                        B::Mod => x % y,
                        _ => return Err(Fail::Error),
                    })
                }
            },
        };
        Ok(Node::new(value, span))
    }

    fn template(&self, t: &Template, span: Span, env: &mut Env) -> R {
        // A lone interpolation keeps its value's type (`"${var.enabled}"` is a bool).
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            let mut v = self.eval(&i.expr, env)?;
            v.span = span;
            return Ok(v);
        }
        let mut out = String::new();
        let mut known = true;
        let mut sensitive = false;
        self.render(t, &mut out, &mut known, &mut sensitive, &mut false, env)?;
        if sensitive {
            self.sensitive.borrow_mut().push(span);
        }
        Ok(if known {
            string(out, span)
        } else {
            unknown(span)
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn render(
        &self,
        t: &Template,
        out: &mut String,
        known: &mut bool,
        sensitive: &mut bool,
        strip_next: &mut bool,
        env: &mut Env,
    ) -> Result<(), Fail> {
        // `~` strip markers: a tag's start strips the whitespace before it, its end the
        // whitespace after it.
        fn trim_end(out: &mut String) {
            let n = out.trim_end().len();
            out.truncate(n);
        }
        for el in t.iter() {
            self.budget.charge(1)?;
            match el {
                Element::Literal(s) => {
                    let text: &str = s.value();
                    out.push_str(if std::mem::take(strip_next) {
                        text.trim_start()
                    } else {
                        text
                    });
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end(out);
                    }
                    let v = self.eval(&i.expr, env)?;
                    if self.sensitive.borrow().contains(&v.span) {
                        *sensitive = true;
                    }
                    match to_text(&v)? {
                        Some(s) => {
                            self.budget.charge(s.len() as u64 / 64)?;
                            out.push_str(&s)
                        }
                        None => *known = false,
                    }
                    *strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match &**d {
                    Directive::If(i) => {
                        if i.if_expr.strip.strip_start() {
                            trim_end(out);
                        }
                        let c = self.eval(&i.if_expr.cond_expr, env)?;
                        match c.value {
                            Value::Bool(true) => {
                                *strip_next = i.if_expr.strip.strip_end();
                                self.render(
                                    &i.if_expr.template,
                                    out,
                                    known,
                                    sensitive,
                                    strip_next,
                                    env,
                                )?;
                                if i.else_expr
                                    .as_ref()
                                    .map_or(i.endif_expr.strip.strip_start(), |e| {
                                        e.strip.strip_start()
                                    })
                                {
                                    trim_end(out);
                                }
                            }
                            Value::Bool(false) => {
                                if let Some(e) = &i.else_expr {
                                    *strip_next = e.strip.strip_end();
                                    self.render(
                                        &e.template,
                                        out,
                                        known,
                                        sensitive,
                                        strip_next,
                                        env,
                                    )?;
                                    if i.endif_expr.strip.strip_start() {
                                        trim_end(out);
                                    }
                                }
                            }
                            Value::Unknown => *known = false,
                            _ => return Err(Fail::Error),
                        }
                        *strip_next = i.endif_expr.strip.strip_end();
                    }
                    Directive::For(f) => {
                        let fe = &f.for_expr;
                        if fe.strip.strip_start() {
                            trim_end(out);
                        }
                        let coll = self.eval(&fe.collection_expr, env)?;
                        let items = match iterate(&coll) {
                            Some(items) => items,
                            None if coll.is_unknown() => {
                                *known = false;
                                continue;
                            }
                            None => return Err(Fail::Error),
                        };
                        for (k, v) in items {
                            let pushed = bind(env, fe.key_var.as_ref(), &fe.value_var, k, v);
                            *strip_next = fe.strip.strip_end();
                            let r =
                                self.render(&fe.template, out, known, sensitive, strip_next, env);
                            for _ in 0..pushed {
                                env.pop();
                            }
                            r?;
                            if f.endfor_expr.strip.strip_start() {
                                trim_end(out);
                            }
                        }
                        *strip_next = f.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        Ok(())
    }

    fn for_expr(&self, f: &ForExpr, span: Span, env: &mut Env) -> R {
        let coll = self.eval(&f.intro.collection_expr, env)?;
        let Some(items) = iterate(&coll) else {
            return if coll.is_unknown() {
                Ok(unknown(span))
            } else {
                Err(Fail::Error)
            };
        };
        self.budget.charge(items.len() as u64)?;
        let mut list = Vec::new();
        let mut map: Vec<(String, Span, Node)> = Vec::new();
        for (k, v) in items {
            let pushed = bind(env, f.intro.key_var.as_ref(), &f.intro.value_var, k, v);
            let r = (|| -> Result<Step, Fail> {
                if let Some(c) = &f.cond {
                    let c = self.eval(&c.expr, env)?;
                    match c.value {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(Step::Skip),
                        Value::Unknown => {
                            return Ok(Step::Undecided(match &f.key_expr {
                                Some(k) => Some(self.eval(k, env)?),
                                None => None,
                            }));
                        }
                        _ => return Err(Fail::Error),
                    }
                }
                let key = match &f.key_expr {
                    Some(k) => Some(self.eval(k, env)?),
                    None => None,
                };
                Ok(Step::Item(key, self.eval(&f.value_expr, env)?))
            })();
            for _ in 0..pushed {
                env.pop();
            }
            match r? {
                Step::Skip => {}
                // Whether an element is in the result is known only after apply.
                // Whether an element is in the result is known only after apply: a list is
                // unknown; a map keeps the key with an unknown value (what is known of the
                // other keys stays known).
                Step::Undecided(None) => return Ok(unknown(span)),
                Step::Undecided(Some(k)) => {
                    let Some(key) = to_text(&k)? else {
                        return Ok(unknown(span));
                    };
                    map.push((key, k.span, unknown(span)));
                }
                Step::Item(None, v) => list.push(v),
                Step::Item(Some(k), v) => {
                    let Some(key) = to_text(&k)? else {
                        return Ok(unknown(span));
                    };
                    map.push((key, k.span, v));
                }
            }
        }
        if f.key_expr.is_none() {
            return Ok(Node::new(Value::Seq(list), span));
        }
        if f.grouping {
            let mut groups: Vec<(String, Span, Vec<Node>)> = Vec::new();
            for (k, ks, v) in map {
                match groups.iter_mut().find(|g| g.0 == k) {
                    Some(g) => g.2.push(v),
                    None => groups.push((k, ks, vec![v])),
                }
            }
            let entries = groups
                .into_iter()
                .map(|(k, ks, vs)| Entry {
                    key: k.into(),
                    key_span: ks,
                    value: Node::new(Value::Seq(vs), span),
                })
                .collect();
            return Ok(object(entries, span));
        }
        let mut seen = std::collections::HashSet::new();
        for (k, _, _) in &map {
            // Terraform refuses duplicate keys without `...`.
            if !seen.insert(k.clone()) {
                return Err(Fail::Error);
            }
        }
        let entries = map
            .into_iter()
            .map(|(k, ks, v)| Entry {
                key: k.into(),
                key_span: ks,
                value: v,
            })
            .collect();
        Ok(object(entries, span))
    }

    fn traversal(
        &self,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
        env: &mut Env,
    ) -> R {
        let mut rest = ops;
        let attr = |op: Option<&hcl_edit::Decorated<TraversalOperator>>| match op.map(|o| o.value())
        {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str().to_string()),
            _ => None,
        };
        // Named roots: the value comes from elsewhere and is re-spanned to this reference.
        let mut value = if let Expression::Variable(v) = root
            && env.get(v.value().as_str()).is_none()
        {
            let name = v.value().as_str();
            match name {
                "var" | "local" | "module" => {
                    let Some(n) = attr(rest.first()) else {
                        return Err(Fail::Error);
                    };
                    rest = &rest[1..];
                    let got = match name {
                        "var" => {
                            if self.names.is_sensitive_var(&n) {
                                self.sensitive.borrow_mut().push(span);
                            }
                            self.names.var(&n, span)?
                        }
                        "local" => self.names.local(&n, span)?,
                        _ => self.names.module(&n, span)?,
                    };
                    let mut got = copy(&got, self.budget)?;
                    respan(&mut got, span, self.budget)?;
                    got
                }
                "data" => return Ok(unknown(span)),
                "self" => return Ok(unknown(span)),
                "path" => {
                    let Some(n) = attr(rest.first()) else {
                        return Err(Fail::Error);
                    };
                    rest = &rest[1..];
                    string(self.names.path(&n).ok_or(Fail::Error)?, span)
                }
                "terraform" => {
                    rest = rest.get(1..).unwrap_or_default();
                    string("default", span)
                }
                // Another resource: its attributes are known only after apply.
                _ if self.names.is_resource_type(name) => return Ok(unknown(span)),
                _ => return Err(Fail::Error),
            }
        } else {
            let mut v = self.eval(root, env)?;
            if matches!(root, Expression::Variable(_)) {
                respan(&mut v, span, self.budget)?;
            }
            v
        };
        let mut i = 0;
        while i < rest.len() {
            self.budget.charge(1)?;
            match rest[i].value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match value.value {
                        Value::Unknown => return Ok(unknown(span)),
                        Value::Null => Vec::new(),
                        Value::Seq(items) => items,
                        _ => vec![value],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply(item, &rest[i + 1..], span, env)?);
                    }
                    return Ok(Node::new(Value::Seq(out), span));
                }
                _ => {
                    value = self.apply(value, &rest[i..=i], span, env)?;
                }
            }
            i += 1;
        }
        value.span = if value.span == Span::default() {
            span
        } else {
            value.span
        };
        Ok(value)
    }

    /// Applies attribute and index operators to a value (no splats among them).
    fn apply(
        &self,
        mut value: Node,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
        env: &mut Env,
    ) -> R {
        for op in ops {
            if value.is_unknown() {
                return Ok(unknown(span));
            }
            let key: Node = match op.value() {
                TraversalOperator::GetAttr(a) => string(a.value().as_str(), span),
                TraversalOperator::Index(e) => self.eval(e, env)?,
                TraversalOperator::LegacyIndex(n) => Node::new(
                    Value::Int(i64::try_from(*n.value()).unwrap_or(i64::MAX)),
                    span,
                ),
                // Splats inside splats: flatten one level, as `[*]` of each element.
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => continue,
            };
            value = index(value, &key, span)?;
        }
        Ok(value)
    }
}

/// `value[key]`: a list element, a map value or an object attribute.
pub fn index(value: Node, key: &Node, span: Span) -> R {
    if key.is_unknown() {
        return Ok(unknown(span));
    }
    match value.value {
        Value::Unknown => Ok(unknown(span)),
        Value::Seq(mut items) => {
            let i = match &key.value {
                Value::Int(i) => *i,
                Value::Float(f) if f.fract() == 0.0 => *f as i64,
                Value::Str(s) => s.parse().map_err(|_| Fail::Error)?,
                _ => return Err(Fail::Error),
            };
            let i = usize::try_from(i).map_err(|_| Fail::Error)?;
            if i < items.len() {
                Ok(items.swap_remove(i))
            } else {
                Err(Fail::Error)
            }
        }
        Value::Map(entries) => {
            let Some(k) = to_text(key)? else {
                return Ok(unknown(span));
            };
            entries
                .into_iter()
                .rev()
                .find(|e| *e.key == *k)
                .map(|e| e.value)
                .ok_or(Fail::Error)
        }
        _ => Err(Fail::Error),
    }
}

/// Equality as Terraform decides it: unknown only where an unknown value could change it
/// (a known object holding unknowns still differs from `null` or from a list).
pub fn equal(a: &Node, b: &Node) -> Option<bool> {
    match (&a.value, &b.value) {
        (Value::Unknown, _) | (_, Value::Unknown) => None,
        (Value::Seq(x), Value::Seq(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (p, q) in x.iter().zip(y) {
                match equal(p, q) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            if undecided { None } else { Some(true) }
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for e in x {
                let Some(f) = y.iter().find(|f| f.key == e.key) else {
                    return Some(false);
                };
                match equal(&e.value, &f.value) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            if undecided { None } else { Some(true) }
        }
        (x, y) => Some(x.same_as(y)),
    }
}

/// The (key, value) pairs a `for` iterates: list index or map key.
pub fn iterate(coll: &Node) -> Option<Vec<(Node, Node)>> {
    match &coll.value {
        Value::Seq(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Node::new(Value::Int(i as i64), v.span), v.clone()))
                .collect(),
        ),
        Value::Map(entries) => Some(
            entries
                .iter()
                .map(|e| (string(&*e.key, e.key_span), e.value.clone()))
                .collect(),
        ),
        Value::Null => None,
        _ => None,
    }
}

fn bind(
    env: &mut Env,
    key_var: Option<&hcl_edit::Decorated<hcl_edit::Ident>>,
    value_var: &hcl_edit::Decorated<hcl_edit::Ident>,
    k: Node,
    v: Node,
) -> usize {
    let mut pushed = 0;
    if let Some(kv) = key_var {
        env.push(kv.value().as_str(), k);
        pushed += 1;
    }
    env.push(value_var.value().as_str(), v);
    pushed + 1
}

enum Step {
    Skip,
    Undecided(Option<Node>),
    Item(Option<Node>, Node),
}

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}
