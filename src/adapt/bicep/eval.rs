//! Evaluating Bicep to the resource model of the compiled template, with unknown as a value.
//!
//! The functions are the ARM evaluator's (`arm::functions`): Bicep compiles its function
//! calls to the same ARM functions, so one implementation serves both. What ARM knows only at
//! deployment is unknown here too: properties of other resources (`aks.properties.x`, which
//! compile to `reference()`), `existing` resources' properties, `newGuid()`, `utcNow()`,
//! secure parameters without a value. `.id`, `.name`, `.type` and `.apiVersion` of a resource
//! are what the compiled template computes (a resource ID with `{…}` placeholders for unknown
//! parts). Every value node carries the span of the Bicep expression that produced it.

use crate::model::LinterCode;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use super::syntax::{Decl, Expr, ExprKind, ObjectItem, ParamDecl, Part, Program, ResourceDecl};
use crate::adapt::arm::eval::{AZURE_MAX_COPY, AZURE_MAX_RESOURCES, Budget, MAX_ITEMS, unknown};
use crate::adapt::arm::functions;
use crate::adapt::arm::template::Skipped;
use crate::confine::ScanRoot;
use crate::model::{
    ArmOrigin, BicepOrigin, Entry, Format, Node, Resource, ResourceId, Span, Value,
};

/// Expression and variable nesting deeper than this is unknown (as in the ARM evaluator).
const MAX_DEPTH: usize = 128;
/// Modules nested deeper than this are not followed (ARM: 16 levels of nested deployments).
pub const MAX_MODULE_DEPTH: usize = 16;
/// What a resource record costs besides its tree (as in the ARM walker).
const RESOURCE_WEIGHT: u64 = 256;

/// A file of one evaluation besides the top template: `Span::src` n is `files[n - 1]`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub shown: Arc<str>,
    pub text: Arc<str>,
}

/// A problem met while loading: where (source index and span) and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub src: u16,
    pub span: Span,
    /// `AKL001` (syntax, unreadable module) or `AKL003` (a limit).
    pub id: LinterCode,
    pub message: String,
}

/// A module that is not linted (registry, template spec, outside the root, unreadable).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotLintedModule {
    pub src: u16,
    pub span: Span,
    pub module: String,
    pub why: &'static str,
}

/// Shared by every scope of one evaluation of a file (and its modules).
pub struct Loader<'r> {
    pub file: usize,
    pub root: &'r ScanRoot,
    pub budget: Budget,
    /// Sources besides the top file, in `Span::src` order.
    pub files: RefCell<Vec<SourceFile>>,
    programs: RefCell<HashMap<PathBuf, (u16, Rc<Program>)>>,
    pub problems: RefCell<Vec<Problem>>,
    pub not_linted: RefCell<Vec<NotLintedModule>>,
    pub skipped: RefCell<Vec<Skipped>>,
    /// The parameters file of this evaluation (shown path).
    pub parameters: Option<Arc<str>>,
    /// Emit `template` pseudo-resources (first evaluation of a file only).
    pub emit_templates: bool,
    pub out: RefCell<Vec<Resource>>,
    deployed: Cell<usize>,
    templates_emitted: RefCell<BTreeSet<u16>>,
}

impl<'r> Loader<'r> {
    pub fn new(file: usize, root: &'r ScanRoot) -> Self {
        Loader {
            file,
            root,
            budget: Budget::default(),
            files: RefCell::default(),
            programs: RefCell::default(),
            problems: RefCell::default(),
            not_linted: RefCell::default(),
            skipped: RefCell::default(),
            parameters: None,
            emit_templates: true,
            out: RefCell::default(),
            deployed: Cell::new(0),
            templates_emitted: RefCell::default(),
        }
    }

    /// Registers a source file; its index for `Span::src`.
    pub fn add_file(&self, shown: Arc<str>, text: Arc<str>) -> u16 {
        let mut files = self.files.borrow_mut();
        files.push(SourceFile { shown, text });
        u16::try_from(files.len()).unwrap_or(u16::MAX)
    }

    fn problem(&self, src: u16, span: Span, id: LinterCode, message: String) {
        self.problems.borrow_mut().push(Problem {
            src,
            span,
            id,
            message,
        });
    }

    /// A module file, parsed once per evaluation: its source index and program.
    fn module_program(
        &self,
        path: &Path,
        shown: Arc<str>,
    ) -> Result<(u16, Rc<Program>), &'static str> {
        let canonical = self.root.resolve(path).map_err(|e| match e {
            crate::confine::ReadError::Outside { .. } => "it is outside the scanned root",
            _ => "it cannot be read",
        })?;
        if let Some((src, p)) = self.programs.borrow().get(&canonical) {
            return Ok((*src, p.clone()));
        }
        let text = crate::confine::read_text(&canonical).map_err(|_| "it cannot be read")?;
        let text: Arc<str> = crate::source::strip_bom(&text).into();
        let src = self.add_file(shown, text.clone());
        let program = match super::syntax::parse(&text, src) {
            Ok(p) => Rc::new(p),
            Err((pos, message)) => {
                self.problem(
                    src,
                    Span::new(pos, pos).in_source(src),
                    LinterCode::ParseError,
                    format!("Bicep syntax error: {message}"),
                );
                Rc::new(Program::default())
            }
        };
        self.programs
            .borrow_mut()
            .insert(canonical, (src, program.clone()));
        Ok((src, program))
    }
}

/// Where a resource's declaration sits for its children: full type and name.
#[derive(Clone, Debug)]
struct ParentCtx {
    ty: String,
    api: String,
    name: String,
}

/// Loop and lambda variables in force.
#[derive(Clone, Default)]
pub struct Env {
    locals: Vec<(Box<str>, Node)>,
}

impl Env {
    fn with(&self, name: &str, value: Node) -> Env {
        let mut e = self.clone();
        e.locals.push((name.into(), value));
        e
    }

    fn get(&self, name: &str) -> Option<&Node> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v)
    }
}

/// A resource symbol of a file: its declaration and, for a nested one, its parent's symbol.
struct ResInfo<'p> {
    decl: &'p ResourceDecl,
    parent: Option<String>,
}

/// One file's declarations in one evaluation.
pub struct Scope<'l, 'r, 'p> {
    loader: &'l Loader<'r>,
    src: u16,
    /// The file on disk (modules are resolved from its directory), and as shown.
    path: Option<PathBuf>,
    shown: Arc<str>,
    params: HashMap<&'p str, &'p ParamDecl>,
    bound: HashMap<String, Node>,
    vars: HashMap<&'p str, &'p Expr>,
    funcs: HashMap<&'p str, (&'p [Box<str>], &'p Expr)>,
    resources: HashMap<String, ResInfo<'p>>,
    modules: HashMap<&'p str, &'p Decl>,
    outputs: Vec<(&'p str, Span, &'p Expr)>,
    program: &'p Program,
    cache: RefCell<HashMap<String, Node>>,
    in_progress: RefCell<BTreeSet<String>>,
    module_outputs: RefCell<HashMap<String, Node>>,
    chain: Vec<(Span, String)>,
    module_depth: usize,
    depth: Cell<usize>,
    speculative: Cell<u32>,
}

fn str_node(s: impl Into<Box<str>>, span: Span) -> Node {
    Node::new(Value::Str(s.into()), span)
}

/// Collects the resource symbols of a body, nested ones included.
fn collect_nested<'p>(
    body: &'p Expr,
    parent: &str,
    out: &mut HashMap<String, ResInfo<'p>>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let obj = match &body.kind {
        ExprKind::If { body, .. } => body,
        ExprKind::For { body, .. } => match &body.kind {
            ExprKind::If { body, .. } => body,
            _ => body,
        },
        _ => body,
    };
    if let ExprKind::Object(items) = &obj.kind {
        for item in items {
            if let ObjectItem::Resource(child) = item {
                let info = || ResInfo {
                    decl: child,
                    parent: Some(parent.to_string()),
                };
                let full = format!("{parent}::{}", child.symbol);
                out.insert(full.clone(), info());
                out.entry(child.symbol.to_string()).or_insert_with(info);
                collect_nested(&child.body, &full, out, depth + 1);
            }
        }
    }
}

/// The object of a body (under `if` and `for`).
fn body_object(body: &Expr) -> Option<&[ObjectItem]> {
    let obj = match &body.kind {
        ExprKind::If { body, .. } => body,
        ExprKind::For { body, .. } => match &body.kind {
            ExprKind::If { body, .. } => body,
            _ => body,
        },
        _ => body,
    };
    match &obj.kind {
        ExprKind::Object(items) => Some(items),
        _ => None,
    }
}

fn property<'a>(items: &'a [ObjectItem], key: &str) -> Option<&'a Expr> {
    items.iter().rev().find_map(|i| match i {
        ObjectItem::Property { key: k, value, .. } if &**k == key => Some(value),
        _ => None,
    })
}

/// `Type@version` → (type, version).
fn split_type(type_ref: &str) -> (&str, &str) {
    type_ref.split_once('@').unwrap_or((type_ref, ""))
}

/// A module path that is not a local file: `br:`, `br/alias:`, `ts:`, `ts/alias:`.
pub fn is_remote_module(path: &str) -> bool {
    path.starts_with("br:")
        || path.starts_with("br/")
        || path.starts_with("ts:")
        || path.starts_with("ts/")
}

/// `a/./b/../c` → `a/c`, lexically (for shown paths).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl<'l, 'r, 'p> Scope<'l, 'r, 'p> {
    pub fn new(
        loader: &'l Loader<'r>,
        program: &'p Program,
        src: u16,
        path: Option<PathBuf>,
        shown: Arc<str>,
        bound: Vec<(String, Node)>,
    ) -> Self {
        let mut s = Scope {
            loader,
            src,
            path,
            shown,
            params: HashMap::new(),
            bound: bound.into_iter().collect(),
            vars: HashMap::new(),
            funcs: HashMap::new(),
            resources: HashMap::new(),
            modules: HashMap::new(),
            outputs: Vec::new(),
            program,
            cache: RefCell::default(),
            in_progress: RefCell::default(),
            module_outputs: RefCell::default(),
            chain: Vec::new(),
            module_depth: 0,
            depth: Cell::new(0),
            speculative: Cell::new(0),
        };
        for d in &program.decls {
            match d {
                Decl::Param(p) => {
                    s.params.insert(&p.name, p);
                }
                // `.bicepparam` values read like variables of that file.
                Decl::Var { name, value, .. } | Decl::ParamValue { name, value, .. } => {
                    s.vars.insert(name, value);
                }
                Decl::Func { name, params, body } => {
                    s.funcs.insert(name, (params, body));
                }
                Decl::Resource(r) => {
                    s.resources.insert(
                        r.symbol.to_string(),
                        ResInfo {
                            decl: r,
                            parent: None,
                        },
                    );
                    collect_nested(&r.body, &r.symbol, &mut s.resources, 0);
                }
                Decl::Module { symbol, .. } => {
                    s.modules.insert(symbol, d);
                }
                Decl::Output {
                    name,
                    name_span,
                    value,
                } => s.outputs.push((name, *name_span, value)),
                _ => {}
            }
        }
        s
    }

    fn budget(&self) -> &Budget {
        &self.loader.budget
    }

    fn memo(&self, key: String, span: Span, f: impl FnOnce() -> Node) -> Node {
        if let Some(v) = self.cache.borrow().get(&key) {
            if !self.budget().charge_copy(v) {
                return unknown(span);
            }
            return v.clone();
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            // A cycle (Bicep refuses it): unknown.
            return unknown(span);
        }
        let v = f();
        self.in_progress.borrow_mut().remove(&key);
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    /// A parameter's value: bound (parameters file, module call), else its default, else
    /// null when its type is nullable, else unknown.
    pub fn param(&self, name: &str, span: Span) -> Node {
        let Some(p) = self.params.get(name) else {
            return unknown(span);
        };
        self.memo(format!("p:{name}"), span, || {
            if let Some(v) = self.bound.get(name) {
                return v.clone();
            }
            if let Some(d) = &p.default {
                return self.eval(d, &Env::default());
            }
            if p.ty.ends_with('?') {
                return Node::new(Value::Null, p.name_span);
            }
            unknown(p.name_span)
        })
    }

    fn var(&self, name: &str, span: Span) -> Node {
        let Some(&e) = self.vars.get(name) else {
            return unknown(span);
        };
        self.memo(format!("v:{name}"), span, || self.eval(e, &Env::default()))
    }

    fn speculate(&self, f: impl FnOnce() -> Node) -> Node {
        self.speculative.set(self.speculative.get() + 1);
        let v = f();
        self.speculative.set(self.speculative.get() - 1);
        v
    }

    pub fn eval(&self, e: &Expr, env: &Env) -> Node {
        let depth = self.depth.get();
        if depth > MAX_DEPTH || !self.budget().charge(1) {
            return unknown(e.span);
        }
        self.depth.set(depth + 1);
        let v = self.eval_inner(e, env);
        self.depth.set(depth);
        v
    }

    fn is_symbol_free(&self, name: &str, env: &Env) -> bool {
        env.get(name).is_none()
            && !self.params.contains_key(name)
            && !self.vars.contains_key(name)
            && !self.resources.contains_key(name)
            && !self.modules.contains_key(name)
    }

    fn eval_inner(&self, e: &Expr, env: &Env) -> Node {
        let span = e.span;
        match &e.kind {
            ExprKind::Null => Node::new(Value::Null, span),
            ExprKind::Bool(b) => Node::new(Value::Bool(*b), span),
            ExprKind::Int(i) => Node::new(Value::Int(*i), span),
            ExprKind::Str(parts) => match &parts[..] {
                [Part::Lit(s)] => str_node(s.as_str(), span),
                _ => {
                    let mut out = String::new();
                    for p in parts {
                        match p {
                            Part::Lit(s) => out.push_str(s),
                            Part::Expr(x) => {
                                let v = self.eval(x, env);
                                if v.is_unknown() {
                                    return unknown(span);
                                }
                                out.push_str(&functions::to_text(&v));
                            }
                        }
                        if out.len() > crate::adapt::arm::eval::MAX_STRING {
                            return unknown(span);
                        }
                    }
                    let n = str_node(out, span);
                    if self.budget().charge_copy(&n) {
                        n
                    } else {
                        unknown(span)
                    }
                }
            },
            ExprKind::Ident(name) => {
                if let Some(v) = env.get(name) {
                    if !self.budget().charge_copy(v) {
                        return unknown(span);
                    }
                    return v.clone();
                }
                if self.params.contains_key(&**name) {
                    return self.param(name, span);
                }
                if self.vars.contains_key(&**name) {
                    return self.var(name, span);
                }
                // A resource or module as a value: its runtime state (`reference()`).
                unknown(span)
            }
            ExprKind::Array(items) => {
                if items.len() > MAX_ITEMS {
                    return unknown(span);
                }
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    match &x.kind {
                        ExprKind::Spread(inner) => match self.eval(inner, env).value {
                            Value::Seq(more) => out.extend(more),
                            Value::Null => {}
                            _ => return unknown(span),
                        },
                        _ => out.push(self.eval(x, env)),
                    }
                }
                if out.len() > MAX_ITEMS {
                    return unknown(span);
                }
                Node::new(Value::Seq(out), span)
            }
            ExprKind::Spread(_) => unknown(span),
            ExprKind::Object(items) => self.object(items, env, span, &[]),
            ExprKind::Member { target, name, safe } => {
                if let Some(v) = self.symbol_member(target, name, env, span) {
                    return v;
                }
                let t = self.eval(target, env);
                let _ = safe;
                functions::member(&t, name, span)
            }
            ExprKind::Index { target, index, .. } => {
                let t = self.eval(target, env);
                let i = self.eval(index, env);
                functions::index(&t, &i, span)
            }
            ExprKind::Child { .. } => unknown(span),
            ExprKind::Call { target, name, args } => {
                self.call(target.as_deref(), name, args, env, span)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, env);
                match (*op, &v.value) {
                    ("!", Value::Bool(b)) => Node::new(Value::Bool(!b), v.span),
                    ("-", Value::Int(i)) => i
                        .checked_neg()
                        .map_or_else(|| unknown(span), |n| Node::new(Value::Int(n), span)),
                    _ => unknown(span),
                }
            }
            ExprKind::Binary { op, left, right } => self.binary(op, left, right, env, span),
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, env);
                match c.value {
                    Value::Bool(true) => self.eval(then, env),
                    Value::Bool(false) => self.eval(otherwise, env),
                    _ => {
                        let a = self.speculate(|| self.eval(then, env));
                        let b = self.speculate(|| self.eval(otherwise, env));
                        if !a.is_unknown() && a.value.same_as(&b.value) {
                            a
                        } else {
                            unknown(span)
                        }
                    }
                }
            }
            ExprKind::Lambda { .. } => unknown(span),
            ExprKind::For {
                item,
                index,
                iterable,
                body,
            } => {
                let it = self.eval(iterable, env);
                let Some(items) = it.as_seq() else {
                    return unknown(span);
                };
                if items.len() > AZURE_MAX_COPY {
                    self.budget().over_limit(
                        iterable.span,
                        format!(
                            "a loop of {} exceeds Azure's limit of {AZURE_MAX_COPY}: not evaluated",
                            items.len()
                        ),
                    );
                    return unknown(span);
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    let mut env = env.with(item, x.clone());
                    if let Some(ix) = index {
                        env = env.with(ix, Node::new(Value::Int(i as i64), iterable.span));
                    }
                    match &body.kind {
                        ExprKind::If { cond, body } => match self.eval(cond, &env).value {
                            Value::Bool(true) => out.push(self.eval(body, &env)),
                            Value::Bool(false) => {}
                            _ => return unknown(span),
                        },
                        _ => out.push(self.eval(body, &env)),
                    }
                    if self.budget().exceeded.get() {
                        return unknown(span);
                    }
                }
                Node::new(Value::Seq(out), span)
            }
            ExprKind::If { body, .. } => self.eval(body, env),
        }
    }

    /// An object literal; `skip` names keys that steer deployment (`parent`, `dependsOn`).
    fn object(&self, items: &[ObjectItem], env: &Env, span: Span, skip: &[&str]) -> Node {
        if items.len() > MAX_ITEMS {
            return unknown(span);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let ObjectItem::Spread(e) = item {
                let v = self.eval(e, env);
                match v.value {
                    Value::Map(entries) => {
                        for en in entries {
                            out.retain(|x: &Entry| x.key != en.key);
                            out.push(en);
                        }
                    }
                    Value::Null => {}
                    _ => return unknown(span),
                }
                continue;
            }
            if let ObjectItem::Computed { key, value } = item {
                let k = self.eval(key, env);
                let Some(name) = k.as_str() else {
                    // A key known only at deployment: the object is too (as `createObject`).
                    return unknown(span);
                };
                out.push(Entry {
                    key: name.into(),
                    key_span: key.span,
                    value: self.eval(value, env),
                });
                continue;
            }
            if let ObjectItem::Property {
                key,
                key_span,
                value,
            } = item
            {
                if skip.contains(&&**key) {
                    continue;
                }
                out.push(Entry {
                    key: key.clone(),
                    key_span: *key_span,
                    value: self.eval(value, env),
                });
            }
        }
        Node::new(Value::Map(out), span)
    }

    fn binary(&self, op: &str, left: &Expr, right: &Expr, env: &Env, span: Span) -> Node {
        match op {
            "&&" | "||" => {
                let decisive = op == "||";
                let l = self.eval(left, env);
                match l.value {
                    Value::Bool(b) if b == decisive => return Node::new(Value::Bool(b), l.span),
                    Value::Bool(_) => {}
                    _ => {
                        let r = self.speculate(|| self.eval(right, env));
                        return match r.value {
                            Value::Bool(b) if b == decisive => Node::new(Value::Bool(b), r.span),
                            _ => unknown(span),
                        };
                    }
                }
                let r = self.eval(right, env);
                match r.value {
                    Value::Bool(b) => Node::new(Value::Bool(b), r.span),
                    _ => unknown(span),
                }
            }
            "??" => {
                let l = self.eval(left, env);
                match l.value {
                    Value::Null => self.eval(right, env),
                    Value::Unknown => {
                        // Either side may decide: equal sides are that value.
                        let r = self.speculate(|| self.eval(right, env));
                        let _ = r;
                        unknown(span)
                    }
                    _ => l,
                }
            }
            _ => {
                let l = self.eval(left, env);
                let r = self.eval(right, env);
                let apply = |f: &str| {
                    functions::apply(f, &[l.clone(), r.clone()], &|_| None, span)
                        .unwrap_or_else(|| unknown(span))
                };
                match op {
                    "==" => apply("equals"),
                    "!=" => match apply("equals").value {
                        Value::Bool(b) => Node::new(Value::Bool(!b), span),
                        _ => unknown(span),
                    },
                    "=~" | "!~" => match (&l.value, &r.value) {
                        (Value::Str(a), Value::Str(b)) => Node::new(
                            Value::Bool(
                                a.to_lowercase() == b.to_lowercase() && op == "=~"
                                    || a.to_lowercase() != b.to_lowercase() && op == "!~",
                            ),
                            span,
                        ),
                        _ => unknown(span),
                    },
                    "<" => apply("less"),
                    "<=" => apply("lessorequals"),
                    ">" => apply("greater"),
                    ">=" => apply("greaterorequals"),
                    "+" => apply("add"),
                    "-" => apply("sub"),
                    "*" => apply("mul"),
                    "/" => apply("div"),
                    "%" => apply("mod"),
                    _ => unknown(span),
                }
            }
        }
    }

    /// The lambda at `lambda` applied to `values`.
    fn apply_lambda(
        &self,
        lambda: Option<&Expr>,
        values: Vec<Node>,
        env: &Env,
        span: Span,
    ) -> Node {
        let Some(Expr {
            kind: ExprKind::Lambda { params, body },
            ..
        }) = lambda
        else {
            return unknown(span);
        };
        let mut env = env.clone();
        for (p, v) in params.iter().zip(values) {
            env = env.with(p, v);
        }
        self.eval(body, &env)
    }

    fn call(
        &self,
        target: Option<&Expr>,
        name: &str,
        args: &[Expr],
        env: &Env,
        span: Span,
    ) -> Node {
        // `az.f()` / `sys.f()` are the plain functions; `res.listKeys()` and imported
        // namespaces are known only at deployment here.
        if let Some(t) = target {
            let plain = matches!(&t.kind, ExprKind::Ident(ns) if (&**ns == "az" || &**ns == "sys") && self.is_symbol_free(ns, env));
            if !plain {
                for a in args {
                    self.eval(a, env);
                }
                return unknown(span);
            }
        }
        if target.is_none()
            && let Some((params, body)) = self.funcs.get(name)
        {
            let mut fenv = Env::default();
            for (p, a) in params.iter().zip(args) {
                fenv = fenv.with(p, self.eval(a, env));
            }
            return self.eval(body, &fenv);
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "any" => {
                return args
                    .first()
                    .map_or_else(|| unknown(span), |a| self.eval(a, env));
            }
            "coalesce" => {
                let mut undecided = false;
                for a in args {
                    let v = if undecided {
                        self.speculate(|| self.eval(a, env))
                    } else {
                        self.eval(a, env)
                    };
                    if !v.is_null() {
                        return if undecided { unknown(span) } else { v };
                    }
                    undecided |= v.is_unknown();
                }
                return Node::new(Value::Null, span);
            }
            "map" | "filter" | "reduce" | "sort" | "toobject" | "mapvalues" | "groupby" => {
                let input = args
                    .first()
                    .map_or_else(|| unknown(span), |a| self.eval(a, env));
                let lambdas: Vec<&Expr> = match lower.as_str() {
                    "toobject" => args.iter().skip(1).take(2).collect(),
                    _ => args.last().into_iter().collect(),
                };
                let init = (lower == "reduce").then(|| {
                    args.get(1)
                        .map_or_else(|| unknown(span), |a| self.eval(a, env))
                });
                let v = functions::higher_order(
                    &lower,
                    &input,
                    init,
                    lambdas.len(),
                    &mut |k, values| self.apply_lambda(lambdas.get(k).copied(), values, env, span),
                    span,
                );
                return if self.budget().charge_copy(&v) {
                    v
                } else {
                    unknown(span)
                };
            }
            "loadtextcontent"
            | "loadjsoncontent"
            | "loadyamlcontent"
            | "loadfileasbase64"
            | "getsecret"
            | "readenvironmentvariable" => return unknown(span),
            _ => {}
        }
        let values: Vec<Node> = args.iter().map(|a| self.eval(a, env)).collect();
        match functions::apply(&lower, &values, &|i| args.get(i).map(Expr::text), span) {
            Some(v) if self.budget().charge_copy(&v) => v,
            Some(_) => unknown(span),
            None => {
                self.budget()
                    .unknown_functions
                    .borrow_mut()
                    .insert(name.to_string());
                unknown(span)
            }
        }
    }

    /// `sym.id`, `sym.name`, `sym[i].id`, `parent::child.name`, `mod.outputs`: what the
    /// compiled template knows of a declared resource or module. `None` when `target` is no
    /// such symbol.
    fn symbol_member(&self, target: &Expr, name: &str, env: &Env, span: Span) -> Option<Node> {
        let (symbol, index) = match &target.kind {
            ExprKind::Ident(s) if env.get(s).is_none() => (s.to_string(), None),
            ExprKind::Index {
                target: t, index, ..
            } => match &t.kind {
                ExprKind::Ident(s) if env.get(s).is_none() => (s.to_string(), Some(&**index)),
                _ => return None,
            },
            ExprKind::Child { .. } => (child_path(target)?, None),
            _ => return None,
        };
        if self.params.contains_key(symbol.as_str()) || self.vars.contains_key(symbol.as_str()) {
            return None;
        }
        if let Some(&m) = self.modules.get(symbol.as_str()) {
            return Some(match (name, index) {
                ("outputs", None) => self.module_outputs_of(&symbol, m, span),
                ("name", None) => body_object(module_body(m))
                    .and_then(|items| property(items, "name"))
                    .map_or_else(|| unknown(span), |n| self.eval(n, env)),
                _ => unknown(span),
            });
        }
        let info = self.resources.get(&symbol)?;
        let env = match index {
            None => Env::default(),
            Some(i) => {
                // An instance of a resource loop: its loop variables at that index.
                let ExprKind::For {
                    item,
                    index: ix,
                    iterable,
                    ..
                } = &info.decl.body.kind
                else {
                    return Some(unknown(span));
                };
                let i = self.eval(i, env);
                let it = self.eval(iterable, &Env::default());
                let (Value::Int(k), Some(items)) = (&i.value, it.as_seq()) else {
                    return Some(unknown(span));
                };
                let Some(x) = usize::try_from(*k).ok().and_then(|k| items.get(k)) else {
                    return Some(unknown(span));
                };
                let mut e = Env::default().with(item, x.clone());
                if let Some(ix) = ix {
                    e = e.with(ix, i.clone());
                }
                e
            }
        };
        if index.is_none() && matches!(info.decl.body.kind, ExprKind::For { .. }) {
            // The whole collection: unknown as a value.
            return Some(unknown(span));
        }
        let (ty, api) = self.full_type(&symbol);
        Some(match name {
            "name" => {
                let (node, _) = self.resource_name(&symbol, &env, 0);
                Node { span, ..node }
            }
            "type" => str_node(ty, span),
            "apiVersion" => str_node(api, span),
            "id" => {
                let (_, text) = self.resource_name(&symbol, &env, 0);
                let mut args = vec![str_node(ty, span)];
                args.extend(text.split('/').map(|s| str_node(s, span)));
                functions::apply("resourceid", &args, &|_| None, span)
                    .unwrap_or_else(|| unknown(span))
            }
            _ => unknown(span),
        })
    }

    /// A resource symbol used as a value where ARM wants an ID (`scope: aks`).
    fn resource_as_id(&self, e: &Expr) -> Option<Node> {
        let symbol = child_path(e)?;
        if !self.resources.contains_key(&symbol) || self.params.contains_key(symbol.as_str()) {
            return None;
        }
        let id = Expr {
            kind: ExprKind::Member {
                target: Box::new(e.clone()),
                name: "id".into(),
                safe: false,
            },
            span: e.span,
        };
        self.symbol_member(e, "id", &Env::default(), id.span)
    }

    /// The full type and API version of a resource symbol (a nested child's short type
    /// completed from its parent's).
    fn full_type(&self, symbol: &str) -> (String, String) {
        let Some(info) = self.resources.get(symbol) else {
            return (String::new(), String::new());
        };
        let (ty, api) = split_type(&info.decl.type_ref);
        match &info.parent {
            Some(p) if !ty.contains('/') => {
                let (pty, papi) = self.full_type(p);
                (
                    format!("{pty}/{ty}"),
                    if api.is_empty() {
                        papi
                    } else {
                        api.to_string()
                    },
                )
            }
            _ => (ty.to_string(), api.to_string()),
        }
    }

    /// The parent's symbol: the nesting, else a `parent:` property naming a resource.
    fn parent_of(&self, symbol: &str) -> Option<String> {
        let info = self.resources.get(symbol)?;
        if let Some(p) = &info.parent {
            return Some(p.clone());
        }
        let items = body_object(&info.decl.body)?;
        match &property(items, "parent")?.kind {
            ExprKind::Ident(p) if self.resources.contains_key(&**p) => Some(p.to_string()),
            k @ ExprKind::Child { .. } => child_path(&Expr {
                kind: k.clone(),
                span: Span::default(),
            }),
            _ => None,
        }
    }

    /// A resource's full name (`parent/child`) as a node and as text with `{…}` placeholders
    /// for unknown parts (as resource IDs print them).
    fn resource_name(&self, symbol: &str, env: &Env, depth: usize) -> (Node, String) {
        let span = Span::default();
        let Some(info) = self.resources.get(symbol) else {
            return (unknown(span), String::new());
        };
        if depth > 16 {
            return (unknown(span), "{?}".into());
        }
        let own = body_object(&info.decl.body)
            .and_then(|items| property(items, "name"))
            .map(|n| (self.eval(n, env), n.text()));
        let (node, text) = match own {
            Some((n, t)) => {
                let text = n
                    .as_str()
                    .map_or_else(|| format!("{{{t}}}"), str::to_string);
                (n, text)
            }
            None => (unknown(span), format!("{{{symbol}}}")),
        };
        match self.parent_of(symbol) {
            Some(p) => {
                let (pn, ptext) = self.resource_name(&p, &Env::default(), depth + 1);
                let full = format!("{ptext}/{text}");
                let node = match (pn.as_str(), node.as_str()) {
                    (Some(_), Some(_)) => str_node(full.as_str(), node.span),
                    _ => unknown(node.span),
                };
                (node, full)
            }
            None => (node, text),
        }
    }

    fn module_outputs_of(&self, symbol: &str, decl: &Decl, span: Span) -> Node {
        if let Some(v) = self.module_outputs.borrow().get(symbol) {
            return v.clone();
        }
        if matches!(module_body(decl).kind, ExprKind::For { .. }) {
            return unknown(span);
        }
        // Not walked yet (an output read before the module is deployed in declaration
        // order): evaluate it now, without emitting its resources twice.
        let v = self
            .module_instance(decl, &Env::default(), false)
            .unwrap_or_else(|| unknown(span));
        self.module_outputs
            .borrow_mut()
            .insert(symbol.to_string(), v.clone());
        v
    }

    // ---- walking what the file deploys ----

    /// Emits the resources of the file (and of its modules).
    pub fn walk(&self) {
        if self.loader.emit_templates && self.loader.templates_emitted.borrow_mut().insert(self.src)
        {
            self.template_resource();
        }
        for d in &self.program.decls {
            if self.budget().exceeded.get() {
                return;
            }
            match d {
                Decl::Resource(r) => self.resource(r, &r.symbol, None, &Env::default()),
                Decl::Module { symbol, body, .. } => {
                    self.module(d, symbol, body);
                }
                _ => {}
            }
        }
    }

    /// A body's instances: `if` decides, `for` iterates (filtered), else one.
    fn instances(&self, body: &Expr, env: &Env, what: &str) -> Vec<(Env, Option<Span>)> {
        match &body.kind {
            ExprKind::If { cond, .. } => match self.eval(cond, env).value {
                Value::Bool(false) => {
                    self.skip(what, cond.span);
                    Vec::new()
                }
                _ => vec![(env.clone(), None)],
            },
            ExprKind::For {
                item,
                index,
                iterable,
                body: inner,
            } => {
                let it = self.eval(iterable, env);
                let items: Vec<Node> = match &it.value {
                    Value::Seq(items) => items.clone(),
                    // Not known: one instance whose loop variables are unknown.
                    _ => vec![unknown(iterable.span)],
                };
                if items.len() > AZURE_MAX_COPY {
                    self.budget().over_limit(
                        iterable.span,
                        format!(
                            "a loop of {} exceeds Azure's limit of {AZURE_MAX_COPY}: not evaluated",
                            items.len()
                        ),
                    );
                    return Vec::new();
                }
                let known = it.as_seq().is_some();
                let mut out = Vec::new();
                for (i, x) in items.into_iter().enumerate() {
                    let mut e = env.with(item, x);
                    if let Some(ix) = index {
                        let iv = if known {
                            Node::new(Value::Int(i as i64), iterable.span)
                        } else {
                            unknown(iterable.span)
                        };
                        e = e.with(ix, iv);
                    }
                    if let ExprKind::If { cond, .. } = &inner.kind
                        && self.eval(cond, &e).value == Value::Bool(false)
                    {
                        self.skip(what, cond.span);
                        continue;
                    }
                    out.push((e, None));
                }
                out
            }
            _ => vec![(env.clone(), None)],
        }
    }

    fn skip(&self, what: &str, at: Span) {
        self.loader.skipped.borrow_mut().push(Skipped {
            resource: what.to_string(),
            at,
            parameters: self.loader.parameters.clone(),
        });
    }

    fn resource(&self, r: &ResourceDecl, symbol: &str, parent: Option<&ParentCtx>, env: &Env) {
        if self.budget().exceeded.get() {
            return;
        }
        let Some(items) = body_object(&r.body) else {
            return;
        };
        let (short, api) = split_type(&r.type_ref);
        let (ty, api) = match parent {
            Some(p) if !short.contains('/') => (
                format!("{}/{short}", p.ty),
                if api.is_empty() {
                    p.api.clone()
                } else {
                    api.to_string()
                },
            ),
            _ => (short.to_string(), api.to_string()),
        };
        let what = format!("{ty} {symbol}");
        for (env, _) in self.instances(&r.body, env, &what) {
            if self.budget().exceeded.get() {
                return;
            }
            // The name, completed from the parent (nesting or `parent:`).
            let name_expr = property(items, "name");
            let name_node = name_expr.map(|n| self.eval(n, &env));
            let own_text = match (&name_node, name_expr) {
                (Some(n), _) if n.as_str().is_some() => n.as_str().unwrap_or_default().to_string(),
                (_, Some(e)) => format!("{{{}}}", e.text()),
                _ => format!("{{{symbol}}}"),
            };
            let parent_ctx = match parent {
                Some(p) => Some(p.clone()),
                None => self.parent_of(symbol).map(|p| {
                    let (pty, papi) = self.full_type(&p);
                    let (_, text) = self.resource_name(&p, &Env::default(), 0);
                    ParentCtx {
                        ty: pty,
                        api: papi,
                        name: text,
                    }
                }),
            };
            let full_name = match &parent_ctx {
                Some(p) if own_text.matches('/').count() + 1 < ty.matches('/').count() => {
                    format!("{}/{own_text}", p.name)
                }
                _ => own_text.clone(),
            };
            let me = ParentCtx {
                ty: ty.clone(),
                api: api.clone(),
                name: full_name.clone(),
            };
            // A nested deployment is not a resource (as in the ARM walker); Bicep writes them
            // as `module`s, and an inline `Microsoft.Resources/deployments` template (AVM's
            // telemetry) deploys nothing of interest.
            let deployment = ty.eq_ignore_ascii_case("Microsoft.Resources/deployments");
            if !r.existing && !deployment {
                self.emit(r, symbol, &ty, &api, &full_name, name_node, items, &env);
            }
            for item in items {
                if let ObjectItem::Resource(child) = item {
                    let child_symbol = format!("{symbol}::{}", child.symbol);
                    self.resource(child, &child_symbol, Some(&me), &env);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        r: &ResourceDecl,
        symbol: &str,
        ty: &str,
        api: &str,
        full_name: &str,
        name_node: Option<Node>,
        items: &[ObjectItem],
        env: &Env,
    ) {
        if self.module_depth == 0 {
            let n = self.loader.deployed.get() + 1;
            self.loader.deployed.set(n);
            if n > AZURE_MAX_RESOURCES {
                if n == AZURE_MAX_RESOURCES + 1 {
                    self.budget().over_limit(
                        r.span,
                        format!(
                            "more than {AZURE_MAX_RESOURCES} resources, Azure's limit per deployment: the rest are not evaluated"
                        ),
                    );
                }
                return;
            }
        }
        let body = match body_object(&r.body) {
            Some(_) => {
                let obj_span = match &r.body.kind {
                    ExprKind::If { body, .. } => body.span,
                    ExprKind::For { body, .. } => match &body.kind {
                        ExprKind::If { body, .. } => body.span,
                        _ => body.span,
                    },
                    _ => r.body.span,
                };
                self.object(items, env, obj_span, &["parent", "dependsOn"])
            }
            None => return,
        };
        let Value::Map(mut entries) = body.value else {
            return;
        };
        // As compiled: `type` and `apiVersion` first, the full name.
        let mut head = vec![
            Entry {
                key: "type".into(),
                key_span: r.type_span,
                value: str_node(ty, r.type_span),
            },
            Entry {
                key: "apiVersion".into(),
                key_span: r.type_span,
                value: str_node(api, r.type_span),
            },
        ];
        if let Some(e) = entries.iter_mut().find(|e| &*e.key == "name") {
            let known = name_node.as_ref().is_some_and(|n| n.as_str().is_some());
            if known && !full_name.contains('{') {
                e.value = str_node(full_name, e.value.span);
            } else {
                // `format('{0}/{1}', parent, child)` with an unknown part.
                e.value = unknown(e.value.span);
            }
        }
        // `scope: aks` compiles to the scope resource's ID.
        if let Some(scope) = property(items, "scope")
            && let Some(e) = entries.iter_mut().find(|e| &*e.key == "scope")
            && let Some(id) = self.resource_as_id(scope)
        {
            e.value = id;
        }
        head.append(&mut entries);
        let root = Node::new(Value::Map(head), body.span);
        if !self.budget().charge(RESOURCE_WEIGHT) || !self.budget().charge_copy(&root) {
            return;
        }
        let display = if full_name.contains('{') {
            symbol.to_string()
        } else {
            full_name.to_string()
        };
        let key = format!(
            "{}|{}",
            ty.to_ascii_lowercase(),
            full_name.to_ascii_lowercase()
        );
        self.loader.out.borrow_mut().push(Resource {
            file: self.loader.file,
            format: Format::Arm,
            group: "".into(),
            id: ResourceId {
                kind: ty.into(),
                namespace: None,
                name: Some(display.into()),
            },
            root,
            pod_path: None,
            helm_source: None,
            arm: Some(Box::new(ArmOrigin {
                declared: r.type_span,
                sources: Vec::new(),
                parameters: self.loader.parameters.clone(),
                refs: vec![key.into()],
                bicep: None,
                symbol: Some(symbol.into()),
                bicep_source: Some(Box::new(BicepOrigin {
                    chain: self.chain.clone(),
                    compiled: None,
                })),
            })),
            tf: None,
        });
    }

    /// The `template` pseudo-resource of this file (SEC011 reads parameter types and
    /// defaults there), shaped like a compiled template's `parameters`.
    fn template_resource(&self) {
        let mut params = Vec::new();
        for d in &self.program.decls {
            let Decl::Param(p) = d else { continue };
            let secure = p.decorators.iter().any(|d| &*d.name == "secure");
            let base = p.ty.trim_end_matches('?').trim();
            let ty = if base.ends_with("[]") || base == "array" {
                "array"
            } else if base.starts_with('{') || base == "object" {
                if secure { "secureObject" } else { "object" }
            } else if base == "int" || base == "bool" {
                base
            } else if base == "string" || base.starts_with('\'') {
                if secure { "securestring" } else { "string" }
            } else {
                "object"
            };
            let mut entries = vec![Entry {
                key: "type".into(),
                key_span: p.name_span,
                value: str_node(ty, p.span),
            }];
            if let Some(d) = &p.default {
                entries.push(Entry {
                    key: "defaultValue".into(),
                    key_span: d.span,
                    value: literal(d)
                        .unwrap_or_else(|| str_node(format!("[{}]", d.text()), d.span)),
                });
            }
            params.push(Entry {
                key: p.name.clone(),
                key_span: p.name_span,
                value: Node::new(Value::Map(entries), p.span),
            });
        }
        let whole = Span::new(crate::model::Pos::new(1, 1), crate::model::Pos::new(1, 1))
            .in_source(self.src);
        let root = Node::new(
            Value::Map(vec![Entry {
                key: "parameters".into(),
                key_span: whole,
                value: Node::new(Value::Map(params), whole),
            }]),
            whole,
        );
        if !self.budget().charge(RESOURCE_WEIGHT) || !self.budget().charge_copy(&root) {
            return;
        }
        let label = Path::new(&*self.shown).file_name().map_or_else(
            || self.shown.to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.loader.out.borrow_mut().push(Resource {
            file: self.loader.file,
            format: Format::Arm,
            group: "".into(),
            id: ResourceId {
                kind: "template".into(),
                namespace: None,
                name: Some(label.into()),
            },
            root,
            pod_path: None,
            helm_source: None,
            arm: Some(Box::new(ArmOrigin {
                declared: whole,
                sources: Vec::new(),
                parameters: None,
                refs: Vec::new(),
                bicep: None,
                symbol: None,
                bicep_source: Some(Box::new(BicepOrigin {
                    chain: self.chain.clone(),
                    compiled: None,
                })),
            })),
            tf: None,
        });
    }

    fn module(&self, decl: &Decl, symbol: &str, body: &Expr) {
        let what = format!("module {symbol}");
        let instances = self.instances(body, &Env::default(), &what);
        let looped = matches!(body.kind, ExprKind::For { .. });
        for (env, _) in instances {
            let outputs = self.module_instance(decl, &env, true);
            if !looped && let Some(o) = outputs {
                self.module_outputs
                    .borrow_mut()
                    .entry(symbol.to_string())
                    .or_insert(o);
            }
        }
    }

    /// Evaluates one instance of a module: its resources (when `emit`) and its outputs.
    fn module_instance(&self, decl: &Decl, env: &Env, emit: bool) -> Option<Node> {
        let Decl::Module {
            symbol,
            symbol_span,
            path,
            path_span,
            body,
            ..
        } = decl
        else {
            return None;
        };
        if is_remote_module(path) {
            if emit {
                self.loader.not_linted.borrow_mut().push(NotLintedModule {
                    src: self.src,
                    span: *path_span,
                    module: format!("module {symbol} '{path}'"),
                    why: if path.starts_with("br") {
                        "a registry module (br:) is not available offline"
                    } else {
                        "a template spec (ts:) is not available offline"
                    },
                });
            }
            return None;
        }
        if self.module_depth >= MAX_MODULE_DEPTH {
            if emit {
                self.budget().over_limit(
                    *path_span,
                    format!(
                        "modules nested deeper than {MAX_MODULE_DEPTH} levels are not evaluated"
                    ),
                );
            }
            return None;
        }
        let dir = self
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)?;
        let shown_dir = Path::new(&*self.shown)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let shown: Arc<str> = normalize(&shown_dir.join(&**path))
            .to_string_lossy()
            .into_owned()
            .into();
        let on_disk = dir.join(&**path);
        let (src, program) = match self.loader.module_program(&on_disk, shown.clone()) {
            Ok(x) => x,
            Err(why) => {
                if emit {
                    self.loader.not_linted.borrow_mut().push(NotLintedModule {
                        src: self.src,
                        span: *path_span,
                        module: format!("module {symbol} '{path}'"),
                        why: if why.contains("outside") {
                            "its file is outside the scanned root: not read"
                        } else {
                            "its file cannot be read"
                        },
                    });
                }
                return None;
            }
        };
        let items = body_object(body)?;
        let mut bound = Vec::new();
        if let Some(params) = property(items, "params")
            && let ExprKind::Object(ps) = &params.kind
        {
            for p in ps {
                if let ObjectItem::Property { key, value, .. } = p {
                    bound.push((key.to_string(), self.eval(value, env)));
                }
            }
        }
        let mut sub = Scope::new(self.loader, &program, src, Some(on_disk), shown, bound);
        sub.chain = self.chain.clone();
        sub.chain.push((
            Span {
                end: path_span.end,
                ..*symbol_span
            },
            format!("deployed by module `{symbol}`"),
        ));
        sub.module_depth = self.module_depth + 1;
        if emit {
            sub.walk();
        }
        let mut outs = Vec::new();
        for (name, name_span, value) in &sub.outputs {
            outs.push(Entry {
                key: (*name).into(),
                key_span: *name_span,
                value: sub.eval(value, &Env::default()),
            });
        }
        Some(Node::new(Value::Map(outs), *symbol_span))
    }
}

fn module_body(d: &Decl) -> &Expr {
    match d {
        Decl::Module { body, .. } => body,
        _ => unreachable_body(),
    }
}

fn unreachable_body() -> &'static Expr {
    static NULL: std::sync::LazyLock<Expr> = std::sync::LazyLock::new(|| Expr {
        kind: ExprKind::Null,
        span: Span::default(),
    });
    &NULL
}

/// `a::b::c` → `a::b::c` as a symbol path.
fn child_path(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Ident(s) => Some(s.to_string()),
        ExprKind::Child { target, name } => Some(format!("{}::{name}", child_path(target)?)),
        _ => None,
    }
}

/// A literal written in the source (no reference, call or interpolation), as a value.
pub fn literal(e: &Expr) -> Option<Node> {
    let v = match &e.kind {
        ExprKind::Null => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Str(parts) => match &parts[..] {
            [Part::Lit(s)] => Value::Str(s.as_str().into()),
            _ => return None,
        },
        ExprKind::Unary { op: "-", operand } => match operand.kind {
            ExprKind::Int(i) => Value::Int(i.checked_neg()?),
            _ => return None,
        },
        ExprKind::Array(items) => Value::Seq(items.iter().map(literal).collect::<Option<_>>()?),
        ExprKind::Object(items) => Value::Map(
            items
                .iter()
                .map(|i| match i {
                    ObjectItem::Property {
                        key,
                        key_span,
                        value,
                    } => Some(Entry {
                        key: key.clone(),
                        key_span: *key_span,
                        value: literal(value)?,
                    }),
                    ObjectItem::Resource(_)
                    | ObjectItem::Computed { .. }
                    | ObjectItem::Spread(_) => None,
                })
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    };
    Some(Node::new(v, e.span))
}
