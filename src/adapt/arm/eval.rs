//! Evaluating ARM expressions to spanned values, with unknown as a value.
//!
//! Every value keeps the span of the node that decided it: a parameter's value points at its
//! `defaultValue` (or the parameters file entry), a `coalesce` at the argument it chose, a
//! literal inside an expression at the literal itself when the string sits on one line.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

use super::expr::{Expr, ExprError, Parsed, Range, parse_template_string};
use super::{functions, signature};
use crate::model::{Entry, Node, Pos, Span, Value};

/// Limits that keep a hostile template bounded in time and memory. Steps count evaluation work
/// and every value node created or copied (array items, object members, 64 bytes of string
/// each): one budget per template file, so memory is bounded whatever the template multiplies.
pub const MAX_STEPS: u64 = 1_000_000;
/// Azure Resource Manager's own limits: a template beyond them is rejected at deployment, so
/// nothing past them is evaluated.
pub const AZURE_MAX_COPY: usize = 800;
pub const AZURE_MAX_RESOURCES: usize = 800;
pub const AZURE_MAX_DECLARATIONS: usize = 256;
pub const AZURE_MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_ITEMS: usize = 10_000;
pub const MAX_STRING: usize = 1_000_000;
const MAX_DEPTH: usize = 128;

/// Shared by every scope of one file: work done, and what went wrong.
#[derive(Debug, Default)]
pub struct Budget {
    steps: Cell<u64>,
    pub exceeded: Cell<bool>,
    /// Functions met that the evaluator does not know (their results are unknown).
    pub unknown_functions: RefCell<BTreeSet<String>>,
    /// Malformed expressions: (span of the string, error).
    pub errors: RefCell<Vec<(Span, ExprError)>>,
    /// Well-formed expressions ARM rejects: (span of the string, why).
    pub rejected: RefCell<Vec<(Span, String)>>,
    /// Azure limits a template exceeds (AKL003): (where, why).
    pub over_limits: RefCell<Vec<(Span, String)>>,
    /// Above zero while evaluating what ARM may never evaluate (a branch of an `if` whose
    /// condition is unknown): nothing is rejected there.
    speculative: Cell<u32>,
}

impl Budget {
    fn step(&self) -> bool {
        self.charge(1)
    }

    /// Charges `n` units of work or memory; false (and exceeded) once the budget is spent.
    pub fn charge(&self, n: u64) -> bool {
        let total = self.steps.get().saturating_add(n);
        self.steps.set(total);
        if total > MAX_STEPS {
            self.exceeded.set(true);
            false
        } else {
            true
        }
    }

    /// Charges the copy of `node` before it is made: false when it would not fit.
    pub fn charge_copy(&self, node: &Node) -> bool {
        let left = MAX_STEPS.saturating_sub(self.steps.get());
        let w = weight(node, left.saturating_add(1));
        self.charge(w)
    }

    /// An Azure limit the template exceeds: AKL003 at `at`.
    pub fn over_limit(&self, at: Span, why: String) {
        self.over_limits.borrow_mut().push((at, why));
    }
}

/// The nodes of a value (a string counting one per 64 bytes as well), counted up to `cap`.
pub fn weight(node: &Node, cap: u64) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        total += 1;
        if total >= cap {
            return total;
        }
        match &n.value {
            Value::Str(s) => total += (s.len() / 64) as u64,
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => {
                total += entries
                    .iter()
                    .map(|e| (e.key.len() / 64) as u64)
                    .sum::<u64>();
                stack.extend(entries.iter().map(|e| &e.value));
            }
            _ => {}
        }
    }
    total
}

/// How a parameter gets its value.
#[derive(Debug)]
struct Param<'t> {
    decl: &'t Node,
    key_span: Span,
    /// A value bound from outside (parameters file, module call).
    bound: Option<Node>,
}

/// The static part of evaluating one template: its parameters and variables, memoised.
pub struct TemplateScope<'t> {
    params: HashMap<String, Param<'t>>,
    vars: HashMap<String, (&'t Node, Span)>,
    var_copies: HashMap<String, &'t Node>,
    functions: HashMap<String, &'t Node>,
    definitions: Option<&'t Node>,
    cache: RefCell<HashMap<(bool, String), Node>>,
    in_progress: RefCell<BTreeSet<(bool, String)>>,
    pub budget: &'t Budget,
    depth: Cell<usize>,
}

impl<'t> TemplateScope<'t> {
    /// `bound`: values for parameters by name (case-insensitive), from a parameters file or
    /// a nested deployment's `parameters`.
    pub fn new(template: &'t Node, bound: Vec<(String, Node)>, budget: &'t Budget) -> Self {
        let mut params = HashMap::new();
        if let Some(entries) = template.get("parameters").and_then(Node::as_map) {
            for e in entries {
                params.insert(
                    e.key.to_ascii_lowercase(),
                    Param {
                        decl: &e.value,
                        key_span: e.key_span,
                        bound: None,
                    },
                );
            }
        }
        for (name, value) in bound {
            if let Some(p) = params.get_mut(&name.to_ascii_lowercase()) {
                p.bound = Some(value);
            }
        }
        let mut vars = HashMap::new();
        let mut var_copies = HashMap::new();
        if let Some(entries) = template.get("variables").and_then(Node::as_map) {
            for e in entries {
                if e.key.eq_ignore_ascii_case("copy") && e.value.as_seq().is_some() {
                    for spec in e.value.as_seq().unwrap_or_default() {
                        if let Some(name) = spec.get_str("name") {
                            var_copies.insert(name.to_ascii_lowercase(), spec);
                        }
                    }
                } else {
                    vars.insert(e.key.to_ascii_lowercase(), (&e.value, e.key_span));
                }
            }
        }
        let mut functions = HashMap::new();
        for ns in template
            .get("functions")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let prefix = ns.get_str("namespace").unwrap_or_default();
            for m in ns.get("members").and_then(Node::as_map).unwrap_or_default() {
                functions.insert(format!("{prefix}.{}", m.key).to_ascii_lowercase(), &m.value);
            }
        }
        TemplateScope {
            params,
            vars,
            var_copies,
            functions,
            definitions: template.entry_ignore_case("definitions").map(|e| &e.value),
            cache: RefCell::default(),
            in_progress: RefCell::default(),
            budget,
            depth: Cell::new(0),
        }
    }

    /// A context with no loop or lambda variables.
    pub fn ctx(&self) -> Ctx<'_, 't> {
        Ctx {
            scope: self,
            copies: Vec::new(),
            resource_loops: 0,
            lambdas: Vec::new(),
            udf_params: None,
        }
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.contains_key(&name.to_ascii_lowercase())
    }

    fn memo(&self, is_param: bool, name: &str, span: Span, f: impl FnOnce() -> Node) -> Node {
        let key = (is_param, name.to_ascii_lowercase());
        if let Some(v) = self.cache.borrow().get(&key) {
            // Every use is a copy: a variable built from two uses of the previous one doubles.
            if !self.budget.charge_copy(v) {
                return unknown(span);
            }
            return v.clone();
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            // A cycle: ARM rejects such templates; here the value is simply not known.
            return unknown(span);
        }
        let v = f();
        self.in_progress.borrow_mut().remove(&key);
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    fn declares_parameter(&self, name: &str) -> bool {
        self.params.contains_key(&name.to_ascii_lowercase())
    }

    fn declares_variable(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.vars.contains_key(&lower) || self.var_copies.contains_key(&lower)
    }

    pub fn parameter(&self, name: &str, span: Span) -> Node {
        let Some(p) = self.params.get(&name.to_ascii_lowercase()) else {
            return unknown(span);
        };
        self.memo(true, name, span, || {
            if let Some(v) = &p.bound {
                return v.clone();
            }
            if let Some(d) = p.decl.entry_ignore_case("defaultValue") {
                return self.ctx().eval_node(&d.value);
            }
            if self.nullable(p.decl) {
                return Node::new(Value::Null, p.key_span);
            }
            unknown(p.key_span)
        })
    }

    /// `nullable: true` on the parameter, or on the user-defined type its `$ref` names.
    fn nullable(&self, decl: &Node) -> bool {
        let mut node = decl;
        for _ in 0..8 {
            if node
                .entry_ignore_case("nullable")
                .is_some_and(|n| n.value.value == Value::Bool(true))
            {
                return true;
            }
            let Some(name) = node
                .get_str("$ref")
                .and_then(|r| r.strip_prefix("#/definitions/"))
            else {
                return false;
            };
            match self.definitions.and_then(|d| d.entry_ignore_case(name)) {
                Some(e) => node = &e.value,
                None => return false,
            }
        }
        false
    }

    pub fn variable(&self, name: &str, span: Span) -> Node {
        let lower = name.to_ascii_lowercase();
        if let Some(&(node, _)) = self.vars.get(&lower) {
            return self.memo(false, name, span, || self.ctx().eval_node(node));
        }
        if let Some(&spec) = self.var_copies.get(&lower) {
            return self.memo(false, name, span, || {
                let ctx = self.ctx();
                let name = spec.get_str("name").unwrap_or_default().to_string();
                match spec.get("input") {
                    Some(input) => ctx.copy_array(spec, &name, input),
                    None => unknown(spec.span),
                }
            });
        }
        unknown(span)
    }
}

/// Where the expression being evaluated sits, to point at literals inside it.
#[derive(Clone, Copy, Debug)]
pub struct At {
    pub span: Span,
    /// The string is on one line and its text has no escapes: character offsets map to columns.
    exact: bool,
}

impl At {
    pub fn of(node: &Node) -> At {
        let exact = match &node.value {
            Value::Str(s) => {
                node.span.start.line == node.span.end.line
                    && (node.span.end.col - node.span.start.col) as usize == s.chars().count() + 2
            }
            _ => false,
        };
        At {
            span: node.span,
            exact,
        }
    }

    pub fn sub(&self, r: Range) -> Span {
        if !self.exact {
            return self.span;
        }
        // +1 for the opening quote of the JSON string.
        let col = self.span.start.col + 1;
        Span {
            start: Pos::new(self.span.start.line, col + r.start),
            end: Pos::new(self.span.start.line, col + r.end),
            src: self.span.src,
        }
    }
}

/// The dynamic part: loop indexes and lambda variables in force.
#[derive(Clone)]
pub struct Ctx<'s, 't> {
    pub scope: &'s TemplateScope<'t>,
    /// (loop name, index) of enclosing `copy` loops, innermost last.
    pub copies: Vec<(String, Node)>,
    /// How many of `copies`, from the start, are resource loops: a `copyIndex()` without a
    /// name reads the innermost of those, never a property or variable loop (ARM requires
    /// those to be named).
    resource_loops: usize,
    lambdas: Vec<(String, Node)>,
    /// Arguments of a user-defined function being evaluated.
    udf_params: Option<HashMap<String, Node>>,
}

pub fn unknown(span: Span) -> Node {
    Node::new(Value::Unknown, span)
}

impl<'s, 't> Ctx<'s, 't> {
    /// Inside an iteration of a resource `copy` loop.
    pub fn with_copy(&self, name: &str, index: Node) -> Self {
        let mut c = self.with_named_copy(name, index);
        c.resource_loops = c.copies.len();
        c
    }

    /// Inside an iteration of a property or variable `copy` loop.
    fn with_named_copy(&self, name: &str, index: Node) -> Self {
        let mut c = self.clone();
        c.copies.push((name.to_string(), index));
        c
    }

    /// Evaluates a template node: expressions in strings, property `copy` loops in objects.
    pub fn eval_node(&self, node: &Node) -> Node {
        let depth = self.scope.depth.get();
        if depth > MAX_DEPTH || !self.scope.budget.step() {
            return unknown(node.span);
        }
        self.scope.depth.set(depth + 1);
        let out = match &node.value {
            Value::Str(s) => self.eval_string(s, node),
            Value::Seq(items) => Node::new(
                Value::Seq(items.iter().map(|n| self.eval_node(n)).collect()),
                node.span,
            ),
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    if e.key.eq_ignore_ascii_case("copy")
                        && let Some(specs) = e.value.as_seq()
                        && specs.iter().all(|s| s.get("input").is_some())
                    {
                        for spec in specs {
                            let name = spec.get_str("name").unwrap_or_default();
                            let key_span = spec.get("name").map_or(e.key_span, |n| n.span);
                            let input = spec.get("input").expect("checked above");
                            out.push(Entry {
                                key: name.into(),
                                key_span,
                                value: self.copy_array(spec, name, input),
                            });
                        }
                        continue;
                    }
                    out.push(Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: self.eval_node(&e.value),
                    });
                }
                Node::new(Value::Map(out), node.span)
            }
            _ => node.clone(),
        };
        self.scope.depth.set(depth);
        out
    }

    /// The array a `copy` spec (`{name, count, input}`) produces.
    fn copy_array(&self, spec: &Node, name: &str, input: &Node) -> Node {
        let count = spec
            .get("count")
            .map(|c| self.eval_node(c))
            .unwrap_or_else(|| unknown(spec.span));
        if let Some(n) = count.value.as_f64()
            && n > AZURE_MAX_COPY as f64
        {
            self.scope.budget.over_limit(
                count.span,
                format!(
                    "a copy loop of {n} exceeds Azure's limit of {AZURE_MAX_COPY}: not evaluated"
                ),
            );
            return unknown(spec.span);
        }
        match count_of(&count) {
            Some(n) => Node::new(
                Value::Seq(
                    (0..n)
                        .map(|i| {
                            self.with_named_copy(name, Node::new(Value::Int(i as i64), count.span))
                                .eval_node(input)
                        })
                        .collect(),
                ),
                spec.span,
            ),
            None => unknown(count.span),
        }
    }

    pub fn eval_string(&self, s: &str, node: &Node) -> Node {
        match parse_template_string(s) {
            Ok(Parsed::Literal(l)) if l.len() == s.len() => node.clone(),
            Ok(Parsed::Literal(l)) => Node::new(Value::Str(l), node.span),
            Ok(Parsed::Expr(e)) => {
                let before = self.scope.budget.rejected.borrow().len();
                let v = self.eval(&e, &At::of(node));
                // ARM rejects the whole expression: this value (not its object) is unknown.
                if self.scope.budget.rejected.borrow().len() > before {
                    unknown(node.span)
                } else {
                    v
                }
            }
            Err(err) => {
                self.scope.budget.errors.borrow_mut().push((node.span, err));
                unknown(node.span)
            }
        }
    }

    /// Records that ARM rejects the expression at `at`, unless evaluating speculatively.
    fn reject(&self, at: &At, why: String) {
        if self.scope.budget.speculative.get() == 0 {
            self.scope.budget.rejected.borrow_mut().push((at.span, why));
        }
    }

    /// Evaluates what ARM may not evaluate at all: rejections there are not reported.
    fn speculate(&self, f: impl FnOnce() -> Node) -> Node {
        let b = &self.scope.budget.speculative;
        b.set(b.get() + 1);
        let v = f();
        b.set(b.get() - 1);
        v
    }

    pub fn eval(&self, e: &Expr, at: &At) -> Node {
        let depth = self.scope.depth.get();
        if depth > MAX_DEPTH || !self.scope.budget.step() {
            return unknown(at.span);
        }
        self.scope.depth.set(depth + 1);
        let out = self.eval_inner(e, at);
        self.scope.depth.set(depth);
        out
    }

    fn eval_inner(&self, e: &Expr, at: &At) -> Node {
        match e {
            Expr::Str(s, r) => Node::new(Value::Str(s.clone()), at.sub(*r)),
            Expr::Int(i, r) => Node::new(Value::Int(*i), at.sub(*r)),
            Expr::Float(x, r) => Node::new(Value::Float(*x), at.sub(*r)),
            Expr::Word(w, r) => Node::new(
                match &**w {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::Null,
                },
                at.sub(*r),
            ),
            Expr::Member {
                target,
                name,
                safe,
                range,
            } => {
                let t = self.eval(target, at);
                if !*safe && let Some(why) = signature::member_rejection(&t, name) {
                    self.reject(at, why);
                    return unknown(at.sub(*range));
                }
                functions::member(&t, name, at.sub(*range))
            }
            Expr::Index {
                target,
                index,
                range,
            } => {
                let t = self.eval(target, at);
                let i = self.eval(index, at);
                if let Some(why) = signature::index_rejection(&t, &i) {
                    self.reject(at, why);
                    return unknown(at.sub(*range));
                }
                functions::index(&t, &i, at.sub(*range))
            }
            Expr::Call { name, args, range } => self.call(name, args, at, at.sub(*range)),
        }
    }

    fn lambda_var(&self, name: &str, span: Span) -> Node {
        self.lambdas
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .filter(|(_, v)| self.scope.budget.charge_copy(v))
            .map_or_else(|| unknown(span), |(_, v)| v.clone())
    }

    /// Applies `lambda('a', 'b', body)` to arguments.
    fn apply(&self, lambda: &Expr, args: Vec<Node>, at: &At, span: Span) -> Node {
        let Expr::Call {
            name, args: parts, ..
        } = lambda
        else {
            return unknown(span);
        };
        if !name.eq_ignore_ascii_case("lambda") || parts.is_empty() {
            return unknown(span);
        }
        let (body, names) = parts.split_last().expect("non-empty");
        let mut ctx = self.clone();
        for (n, v) in names.iter().zip(args) {
            if let Expr::Str(n, _) = n {
                ctx.lambdas.push((n.to_string(), v));
            }
        }
        ctx.eval(body, at)
    }

    fn call(&self, name: &str, args: &[Expr], at: &At, span: Span) -> Node {
        let lower = name.to_ascii_lowercase();
        if let Some(why) = signature::count_rejection(&lower, args.len()) {
            self.reject(at, why);
            return unknown(span);
        }
        let arg = |i: usize| -> Node {
            args.get(i)
                .map_or_else(|| unknown(span), |a| self.eval(a, at))
        };
        match lower.as_str() {
            // Functions that must not evaluate all their arguments.
            "if" => {
                let c = arg(0);
                match c.value {
                    Value::Bool(true) => arg(1),
                    Value::Bool(false) => arg(2),
                    _ => {
                        let (a, b) = (self.speculate(|| arg(1)), self.speculate(|| arg(2)));
                        if a.value.same_as(&b.value) && !a.is_unknown() {
                            a
                        } else {
                            unknown(span)
                        }
                    }
                }
            }
            "and" | "or" => {
                let decisive = lower == "or";
                let mut undecided = false;
                for a in args {
                    // After an undecided argument ARM may stop before this one.
                    let v = if undecided {
                        self.speculate(|| self.eval(a, at))
                    } else {
                        self.eval(a, at)
                    };
                    match v.value {
                        Value::Bool(b) if b == decisive => {
                            return Node::new(Value::Bool(b), v.span);
                        }
                        Value::Bool(_) => {}
                        _ => undecided = true,
                    }
                }
                if undecided {
                    unknown(span)
                } else {
                    Node::new(Value::Bool(!decisive), span)
                }
            }
            "coalesce" => {
                let mut undecided = false;
                for a in args {
                    let v = if undecided {
                        self.speculate(|| self.eval(a, at))
                    } else {
                        self.eval(a, at)
                    };
                    if !v.is_null() {
                        return v;
                    }
                    undecided |= v.is_unknown();
                }
                Node::new(Value::Null, span)
            }
            "parameters" => match self.udf_param_or_name(&arg(0)) {
                Ok(v) => v,
                Err(Some(n)) if self.udf_params.is_none() && !self.scope.declares_parameter(&n) => {
                    self.reject(at, format!("the template declares no parameter `{n}`"));
                    unknown(span)
                }
                Err(Some(n)) => self.scope.parameter(&n, span),
                Err(None) => unknown(span),
            },
            "variables" => match arg(0).as_str() {
                Some(n) if !self.scope.declares_variable(n) => {
                    self.reject(at, format!("the template declares no variable `{n}`"));
                    unknown(span)
                }
                Some(n) => self.scope.variable(n, span),
                None => unknown(span),
            },
            "lambdavariables" => match arg(0).as_str() {
                Some(n) => self.lambda_var(n, span),
                None => unknown(span),
            },
            "copyindex" => {
                let (loop_name, offset) = match args.len() {
                    0 => (None, 0),
                    _ => {
                        let first = arg(0);
                        match first.value {
                            Value::Int(o) => (None, o),
                            Value::Str(ref n) => {
                                let off = if args.len() > 1 {
                                    arg(1).value.as_f64().map_or(0, |f| f as i64)
                                } else {
                                    0
                                };
                                (Some(n.to_string()), off)
                            }
                            _ => return unknown(span),
                        }
                    }
                };
                let found = match &loop_name {
                    Some(n) => self
                        .copies
                        .iter()
                        .rev()
                        .find(|(l, _)| l.eq_ignore_ascii_case(n)),
                    None => self.copies[..self.resource_loops].last(),
                };
                match found.map(|(_, v)| &v.value) {
                    Some(Value::Int(i)) => Node::new(Value::Int(i + offset), span),
                    _ => unknown(span),
                }
            }
            "map" | "filter" | "sort" | "reduce" | "toobject" | "mapvalues" | "groupby" => {
                let v = self.higher_order(&lower, args, at, span);
                if self.scope.budget.charge_copy(&v) {
                    v
                } else {
                    unknown(span)
                }
            }
            "lambda" => unknown(span),
            _ => {
                if let Some(def) = self.scope.functions.get(&lower) {
                    let values: Vec<Node> = args.iter().map(|a| self.eval(a, at)).collect();
                    return self.user_function(def, values, span);
                }
                let values: Vec<Node> = args.iter().map(|a| self.eval(a, at)).collect();
                if lower.contains('.') {
                    // A user-defined function this template does not declare.
                    self.reject(
                        at,
                        format!("the user-defined function `{name}` is not declared"),
                    );
                    return unknown(span);
                }
                if !signature::is_known(&lower) {
                    self.reject(at, format!("`{name}` is not an ARM template function"));
                    return unknown(span);
                }
                if let Some(why) = signature::rejection(&lower, &values) {
                    self.reject(at, why);
                    return unknown(span);
                }
                match functions::apply(
                    &lower,
                    &values,
                    &|i| args.get(i).map(ToString::to_string),
                    span,
                ) {
                    // What the function built (`range`, `concat`, `union` copy their inputs).
                    Some(v) if self.scope.budget.charge_copy(&v) => v,
                    Some(_) => unknown(span),
                    None => {
                        self.scope
                            .budget
                            .unknown_functions
                            .borrow_mut()
                            .insert(name.to_string());
                        unknown(span)
                    }
                }
            }
        }
    }

    /// Inside a user-defined function, `parameters('x')` names its own argument.
    fn udf_param_or_name(&self, name: &Node) -> Result<Node, Option<String>> {
        let Some(n) = name.as_str() else {
            return Err(None);
        };
        if let Some(p) = &self.udf_params {
            return p
                .get(&n.to_ascii_lowercase())
                .cloned()
                .ok_or(Some(n.to_string()));
        }
        Err(Some(n.to_string()))
    }

    fn user_function(&self, def: &Node, values: Vec<Node>, span: Span) -> Node {
        let names = def
            .get("parameters")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get_str("name").map(str::to_ascii_lowercase));
        let params: HashMap<String, Node> = names.zip(values).collect();
        let Some(body) = def.get("output").and_then(|o| o.get("value")) else {
            return unknown(span);
        };
        let ctx = Ctx {
            scope: self.scope,
            copies: Vec::new(),
            resource_loops: 0,
            lambdas: Vec::new(),
            udf_params: Some(params),
        };
        ctx.eval_node(body)
    }

    fn higher_order(&self, name: &str, args: &[Expr], at: &At, span: Span) -> Node {
        let input = args
            .first()
            .map_or_else(|| unknown(span), |a| self.eval(a, at));
        // The lambdas in order (`toObject` has a key and a value lambda; `reduce` an initial
        // value before its lambda).
        let lambdas: Vec<&Expr> = match name {
            "toobject" => args.iter().skip(1).take(2).collect(),
            _ => args.last().into_iter().collect(),
        };
        let init = (name == "reduce").then(|| {
            args.get(1)
                .map_or_else(|| unknown(span), |a| self.eval(a, at))
        });
        functions::higher_order(
            name,
            &input,
            init,
            lambdas.len(),
            &mut |k, values| match lambdas.get(k) {
                Some(l) => self.apply(l, values, at, span),
                None => unknown(span),
            },
            span,
        )
    }
}

/// A loop count: a known non-negative integer within the item limit.
pub fn count_of(n: &Node) -> Option<usize> {
    let c = match n.value {
        Value::Int(i) => i,
        Value::Float(f) if f.fract() == 0.0 => f as i64,
        _ => return None,
    };
    (0..=MAX_ITEMS as i64).contains(&c).then_some(c as usize)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::source::{Limits, LineIndex, json};

    pub fn template(text: &str) -> Node {
        let lines = LineIndex::new(text);
        json::load(text, &lines, Limits::default())
            .unwrap()
            .unwrap()
    }

    pub fn eval_in(tpl: &str, expr: &str) -> Node {
        let t = template(tpl);
        let budget = Budget::default();
        let scope = TemplateScope::new(&t, Vec::new(), &budget);
        let node = Node::new(Value::Str(expr.into()), Span::default());
        scope.ctx().eval_node(&node)
    }

    pub fn eval(expr: &str) -> Node {
        // `kv`: a parameter known only at deployment.
        eval_in(r#"{"parameters": {"kv": {"type": "string"}}}"#, expr)
    }

    #[test]
    fn parameters_take_the_default_and_point_at_it() {
        let tpl = "{\"parameters\": {\n  \"p\": {\"type\": \"bool\", \"defaultValue\": false},\n  \"req\": {\"type\": \"string\"},\n  \"opt\": {\"type\": \"string\", \"nullable\": true}\n}}";
        let v = eval_in(tpl, "[parameters('P')]");
        assert_eq!(v.value, Value::Bool(false));
        assert_eq!(v.span.start, Pos::new(2, 41));
        assert!(eval_in(tpl, "[parameters('req')]").is_unknown());
        assert!(eval_in(tpl, "[parameters('opt')]").is_null());
        assert!(eval_in(tpl, "[parameters('missing')]").is_unknown());
        let typed = r##"{"definitions": {"T": {"type": "object", "nullable": true}},
          "parameters": {"p": {"$ref": "#/definitions/T"}}}"##;
        assert!(eval_in(typed, "[parameters('p')]").is_null());
    }

    #[test]
    fn variables_are_evaluated_lazily_and_cycles_are_unknown() {
        let tpl = r#"{"parameters": {"n": {"type": "int", "defaultValue": 2}},
          "variables": {"a": "[variables('b')]", "b": "[add(parameters('n'), 1)]",
                        "x": "[variables('y')]", "y": "[variables('x')]",
                        "copy": [{"name": "list", "count": 2, "input": "[copyIndex('list', 1)]"}]}}"#;
        assert_eq!(eval_in(tpl, "[variables('a')]").value, Value::Int(3));
        assert!(eval_in(tpl, "[variables('x')]").is_unknown());
        assert_eq!(
            eval_in(tpl, "[variables('list')]").to_json(),
            serde_json::json!([1, 2])
        );
    }

    #[test]
    fn lazy_and_short_circuiting_functions() {
        assert_eq!(
            eval("[if(true(), 'a', reference('x'))]").value,
            Value::Str("a".into())
        );
        assert!(eval("[if(reference('x').b, 'a', 'b')]").is_unknown());
        assert_eq!(
            eval("[if(reference('x').b, 'a', 'a')]").value,
            Value::Str("a".into())
        );
        assert_eq!(
            eval("[and(false(), reference('x'))]").value,
            Value::Bool(false)
        );
        assert!(eval("[and(true(), reference('x'))]").is_unknown());
        assert_eq!(
            eval("[or(reference('x'), true())]").value,
            Value::Bool(true)
        );
        assert_eq!(
            eval("[coalesce(null(), 'b')]").value,
            Value::Str("b".into())
        );
        assert!(eval("[coalesce(reference('x'), 'b')]").is_unknown());
    }

    #[test]
    fn literals_inside_expressions_are_located_when_the_string_is_exact() {
        let tpl = "{\"v\": \"[coalesce(null(), false())]\"}";
        let t = template(tpl);
        let budget = Budget::default();
        let scope = TemplateScope::new(&t, Vec::new(), &budget);
        let v = scope.ctx().eval_node(t.get("v").unwrap());
        assert_eq!(v.value, Value::Bool(false));
        // `false()` starts at column 26 of the line.
        assert_eq!(v.span.start, Pos::new(1, 26));
    }

    #[test]
    fn lambdas() {
        assert_eq!(
            eval("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]").to_json(),
            serde_json::json!([10, 20])
        );
        assert_eq!(
            eval("[filter(createArray(1, 2, 3), lambda('x', greater(lambdaVariables('x'), 1)))]")
                .to_json(),
            serde_json::json!([2, 3])
        );
        assert_eq!(
            eval("[reduce(createArray(1, 2, 3), 0, lambda('a', 'c', add(lambdaVariables('a'), lambdaVariables('c'))))]").value,
            Value::Int(6)
        );
        assert_eq!(
            eval("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]").to_json(),
            serde_json::json!([1, 2, 3])
        );
        assert_eq!(
            eval("[toObject(createArray('a', 'b'), lambda('k', lambdaVariables('k')), lambda('k', toUpper(lambdaVariables('k'))))]").to_json(),
            serde_json::json!({"a": "A", "b": "B"})
        );
        assert!(eval("[map(reference('x'), lambda('x', 1))]").is_unknown());
    }

    #[test]
    fn property_copy_loops_build_arrays() {
        let tpl = r#"{"parameters": {}, "v": {"copy": [{"name": "pools", "count": 2, "input": {"n": "[copyIndex('pools')]"}}]}}"#;
        let t = template(tpl);
        let budget = Budget::default();
        let scope = TemplateScope::new(&t, Vec::new(), &budget);
        let v = scope.ctx().eval_node(t.get("v").unwrap());
        assert_eq!(
            v.to_json(),
            serde_json::json!({"pools": [{"n": 0}, {"n": 1}]})
        );
    }

    #[test]
    fn malformed_expressions_are_recorded() {
        let t = template(r#"{"v": "[concat('a']"}"#);
        let budget = Budget::default();
        let scope = TemplateScope::new(&t, Vec::new(), &budget);
        assert!(scope.ctx().eval_node(t.get("v").unwrap()).is_unknown());
        assert_eq!(budget.errors.borrow().len(), 1);
    }

    #[test]
    fn user_defined_functions() {
        let tpl = r#"{"parameters": {}, "functions": [{"namespace": "__bicep", "members": {"double": {"parameters": [{"name": "x", "type": "int"}], "output": {"type": "int", "value": "[mul(parameters('x'), 2)]"}}}}]}"#;
        assert_eq!(eval_in(tpl, "[__bicep.double(21)]").value, Value::Int(42));
    }
}
