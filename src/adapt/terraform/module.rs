//! Loading a root module: its files, variables (tfvars and command line), locals, resources
//! and module calls, recursively (cycle- and depth-bounded, confined to the scanned root).

use crate::adapt::tfplan::source::read_modules_json;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, LazyLock};

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use regex::Regex;

use super::eval::{self, Budget, Env, Eval, Fail, Names, R, Spans, object, string, unknown};
use super::{Loaded, NotLinted, Problem, Request, types};
use crate::confine::ScanRoot;
use crate::model::{
    Entry, Format, Node, Pos, Resource, ResourceId, Span, TfModuleSource, TfOrigin, Value,
};
use crate::source::{Limits, LineIndex, json, strip_bom};

/// Deepest chain of module calls followed.
const MAX_MODULE_DEPTH: usize = 16;
/// Most module directories one root module may load.
const MAX_MODULES: usize = 256;

/// One file read.
struct FileInfo {
    shown: Arc<str>,
    text: Arc<str>,
    lines: LineIndex,
    src: u16,
}

impl Spans for FileInfo {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        match range {
            Some(r) => Span::new(
                self.lines.pos(&self.text, r.start),
                self.lines.pos(&self.text, r.end),
            )
            .in_source(self.src),
            None => Span::new(Pos::new(1, 1), Pos::new(1, 1)).in_source(self.src),
        }
    }
}

struct VarDef {
    default: Option<Expression>,
    ty: Option<Expression>,
    sensitive: bool,
    nullable: bool,
    file: Rc<FileInfo>,
    span: Span,
}

struct ResDef {
    ty: String,
    name: String,
    block: Block,
    file: Rc<FileInfo>,
}

struct CallDef {
    name: String,
    block: Block,
    file: Rc<FileInfo>,
}

/// A module's declarations, from all its files.
struct ModuleDef {
    dir: PathBuf,
    shown: PathBuf,
    /// `path.module`.
    path_module: String,
    vars: BTreeMap<String, VarDef>,
    locals: HashMap<String, (Expression, Rc<FileInfo>)>,
    outputs: BTreeMap<String, (Expression, Rc<FileInfo>)>,
    resources: Vec<ResDef>,
    calls: Vec<CallDef>,
    /// Files of the directory that are configuration (`.tf`, `.tf.json`).
    configs: usize,
}

/// State shared by every module of one root module.
struct Ctx<'r> {
    req: &'r Request,
    file: usize,
    files: RefCell<Vec<Rc<FileInfo>>>,
    budget: Budget,
    sensitive: RefCell<Vec<Span>>,
    /// Where sensitive values are written (tfvars, defaults): masked in frames.
    secret_origins: RefCell<Vec<Span>>,
    problems: RefCell<Vec<Problem>>,
    not_linted: RefCell<Vec<NotLinted>>,
    modules_json: HashMap<String, PathBuf>,
    defs: RefCell<HashMap<PathBuf, Rc<ModuleDef>>>,
    root_dir: PathBuf,
    budget_reported: std::cell::Cell<bool>,
}

enum Slot {
    Busy,
    Done(R),
}

enum Repeat {
    Single,
    Count,
    ForEach,
}

struct Calls<'c> {
    repeat: Repeat,
    /// None: not linted (why recorded), or repetition unknown.
    instances: Option<Vec<(String, Rc<Scope<'c>>)>>,
}

struct Scope<'c> {
    ctx: &'c Ctx<'c>,
    def: Rc<ModuleDef>,
    vars: HashMap<String, Node>,
    sensitive_vars: HashSet<String>,
    locals: RefCell<HashMap<String, Slot>>,
    outputs: RefCell<HashMap<String, Slot>>,
    calls: RefCell<HashMap<String, Option<Rc<Calls<'c>>>>>,
    modules: RefCell<HashMap<String, Slot>>,
    /// Address prefix with instance keys (`module.aks["eu"].`).
    prefix: String,
    /// `modules.json` key of this module (`aks.network`; empty at the root).
    key: String,
    chain: Vec<(Span, String)>,
    ancestors: Vec<PathBuf>,
}

/// Names in a `.tfvars` file or a `--tf-var`: none (constants and functions only).
struct Constants;

impl Names for Constants {
    fn var(&self, _: &str, _: Span) -> R {
        Err(Fail::Error)
    }
    fn local(&self, _: &str, _: Span) -> R {
        Err(Fail::Error)
    }
    fn module(&self, _: &str, _: Span) -> R {
        Err(Fail::Error)
    }
    fn path(&self, _: &str) -> Option<String> {
        None
    }
    fn is_resource_type(&self, _: &str) -> bool {
        false
    }
    fn is_sensitive_var(&self, _: &str) -> bool {
        false
    }
}

impl<'c> Names for Scope<'c> {
    fn var(&self, name: &str, at: Span) -> R {
        match self.vars.get(name) {
            Some(v) => Ok(v.clone()),
            None if self.def.vars.contains_key(name) => Ok(unknown(at)),
            None => Err(Fail::Error),
        }
    }

    fn local(&self, name: &str, at: Span) -> R {
        if let Some(slot) = self.locals.borrow().get(name) {
            return match slot {
                Slot::Done(r) => r.clone(),
                // A local that refers to itself: Terraform refuses it; unknown here.
                Slot::Busy => Ok(unknown(at)),
            };
        }
        let Some((expr, file)) = self.def.locals.get(name) else {
            return Err(Fail::Error);
        };
        self.locals.borrow_mut().insert(name.into(), Slot::Busy);
        let r = match self.ev(file).eval(expr, &mut Env::default()) {
            Err(Fail::Error) => Ok(unknown(file.span(expr.span()))),
            r => r,
        };
        self.locals
            .borrow_mut()
            .insert(name.into(), Slot::Done(r.clone()));
        r
    }

    fn module(&self, name: &str, at: Span) -> R {
        if let Some(slot) = self.modules.borrow().get(name) {
            return match slot {
                Slot::Done(r) => r.clone(),
                Slot::Busy => Ok(unknown(at)),
            };
        }
        if !self.def.calls.iter().any(|c| c.name == name) {
            return Err(Fail::Error);
        }
        self.modules.borrow_mut().insert(name.into(), Slot::Busy);
        let r = self.module_value(name, at);
        self.modules
            .borrow_mut()
            .insert(name.into(), Slot::Done(r.clone()));
        r
    }

    fn path(&self, which: &str) -> Option<String> {
        match which {
            "module" => Some(self.def.path_module.clone()),
            "root" | "cwd" => Some(".".into()),
            _ => None,
        }
    }

    fn is_resource_type(&self, name: &str) -> bool {
        name.contains('_')
    }

    fn is_sensitive_var(&self, name: &str) -> bool {
        self.sensitive_vars.contains(name)
    }
}

impl<'c> Scope<'c> {
    fn ev<'a>(&'a self, file: &'a FileInfo) -> Eval<'a> {
        Eval {
            names: self,
            spans: file,
            budget: &self.ctx.budget,
            sensitive: &self.ctx.sensitive,
        }
    }

    /// An expression's value; an evaluation error is unknown (Terraform would refuse it).
    fn value(&self, file: &FileInfo, e: &Expression, env: &mut Env) -> R {
        match self.ev(file).eval(e, env) {
            Err(Fail::Error) => Ok(unknown(file.span(e.span()))),
            r => r,
        }
    }

    fn output(&self, name: &str, at: Span) -> R {
        if let Some(slot) = self.outputs.borrow().get(name) {
            return match slot {
                Slot::Done(r) => r.clone(),
                Slot::Busy => Ok(unknown(at)),
            };
        }
        let Some((expr, file)) = self.def.outputs.get(name) else {
            return Err(Fail::Error);
        };
        self.outputs.borrow_mut().insert(name.into(), Slot::Busy);
        let r = self.value(file, expr, &mut Env::default());
        self.outputs
            .borrow_mut()
            .insert(name.into(), Slot::Done(r.clone()));
        r
    }

    /// The object of a child module's outputs (a list or map of them with `count` / `for_each`).
    fn module_value(&self, name: &str, at: Span) -> R {
        let Some(calls) = self.calls_of(name)? else {
            return Ok(unknown(at));
        };
        let Some(instances) = &calls.instances else {
            return Ok(unknown(at));
        };
        let mut objects = Vec::with_capacity(instances.len());
        for (key, child) in instances {
            let mut entries = Vec::new();
            let names: Vec<String> = child.def.outputs.keys().cloned().collect();
            for o in names {
                entries.push(Entry {
                    key: o.as_str().into(),
                    key_span: at,
                    value: child.output(&o, at)?,
                });
            }
            objects.push((key.clone(), object(entries, at)));
        }
        Ok(match calls.repeat {
            Repeat::Single => objects.pop().map_or_else(|| unknown(at), |(_, o)| o),
            Repeat::Count => Node::new(
                Value::Seq(objects.into_iter().map(|(_, o)| o).collect()),
                at,
            ),
            Repeat::ForEach => object(
                objects
                    .into_iter()
                    .map(|(k, o)| Entry {
                        key: k.into(),
                        key_span: at,
                        value: o,
                    })
                    .collect(),
                at,
            ),
        })
    }

    /// The instances of the module call `name`, made on first use.
    fn calls_of(&self, name: &str) -> Result<Option<Rc<Calls<'c>>>, Fail> {
        if let Some(c) = self.calls.borrow().get(name) {
            return Ok(c.clone());
        }
        // Busy: a call whose inputs refer to its own outputs.
        self.calls.borrow_mut().insert(name.into(), None);
        let made = self.make_calls(name)?.map(Rc::new);
        self.calls.borrow_mut().insert(name.into(), made.clone());
        Ok(made)
    }

    fn not_linted(&self, file: &FileInfo, span: Span, what: String, why: &'static str) {
        self.ctx.not_linted.borrow_mut().push(NotLinted {
            path: file.shown.clone(),
            span: span.in_source(0),
            resource: what,
            why,
        });
    }

    fn make_calls(&self, name: &str) -> Result<Option<Calls<'c>>, Fail> {
        let Some(call) = self.def.calls.iter().find(|c| c.name == name) else {
            return Ok(None);
        };
        let file = &call.file;
        let header = header_span(file, &call.block);
        let address = format!("{}module.{name}", self.prefix);
        let body = &call.block.body;
        let mut env = Env::default();
        let source = match body.get_attribute("source") {
            Some(a) => self.value(file, &a.value, &mut env)?,
            None => unknown(header),
        };
        let Some(source) = source.as_str().map(str::to_string) else {
            self.not_linted(
                file,
                header,
                address,
                "its `source` is not a literal string",
            );
            return Ok(None);
        };
        let key = if self.key.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.key)
        };
        let local = source.starts_with("./") || source.starts_with("../");
        let (dir, shown) = if local {
            (
                normalize(&self.def.dir.join(&source)),
                normalize(&self.def.shown.join(&source)),
            )
        } else if let Some(d) = self.ctx.modules_json.get(&key) {
            (
                normalize(&self.ctx.root_dir.join(d)),
                normalize(&root_shown(self).join(d)),
            )
        } else {
            self.not_linted(
                file,
                header,
                format!("{address} (source \"{source}\")"),
                "a registry or git module that `terraform init` has not installed (no .terraform/modules/modules.json entry)",
            );
            return Ok(None);
        };
        let Ok(real) = self.ctx.req.confine.resolve(&dir) else {
            self.not_linted(
                file,
                header,
                format!("{address} (source \"{source}\")"),
                "its source directory is outside the scanned root or missing",
            );
            return Ok(None);
        };
        if self.ancestors.contains(&real) {
            self.not_linted(file, header, address, "the module calls itself (a cycle)");
            return Ok(None);
        }
        if self.ancestors.len() >= MAX_MODULE_DEPTH {
            self.not_linted(file, header, address, "modules nested deeper than 16 calls");
            return Ok(None);
        }
        let known = self.ctx.defs.borrow().get(&real).cloned();
        let loaded = self.ctx.defs.borrow().len();
        let def = match known {
            Some(d) => Some(d),
            None if loaded >= MAX_MODULES => None,
            None => {
                let path_module = shown.to_string_lossy().into_owned();
                let d = Rc::new(read_module(self.ctx, &dir, &shown, path_module, false));
                self.ctx.defs.borrow_mut().insert(real.clone(), d.clone());
                Some(d)
            }
        };
        let Some(def) = def else {
            self.not_linted(file, header, address, "more than 256 module directories");
            return Ok(None);
        };
        if def.configs == 0 {
            self.not_linted(
                file,
                header,
                format!("{address} (source \"{source}\")"),
                "its source directory holds no .tf files",
            );
            return Ok(None);
        }
        let (repeat, keys) = self.repetition(file, body, &mut env)?;
        let Some(keys) = keys else {
            return Ok(Some(Calls {
                repeat,
                instances: None,
            }));
        };
        if keys.is_empty() {
            self.not_linted(
                file,
                header,
                address,
                "count is 0 or for_each is empty: not deployed",
            );
        }
        let mut instances = Vec::with_capacity(keys.len());
        for (suffix, bindings) in keys {
            let mut env = Env::default();
            for (n, v) in &bindings {
                env.push(n, v.clone());
            }
            let mut inputs = HashMap::new();
            for st in body.iter() {
                let Structure::Attribute(a) = st else {
                    continue;
                };
                let k = a.key.value().as_str();
                if matches!(
                    k,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                inputs.insert(k.to_string(), self.value(file, &a.value, &mut env)?);
            }
            let sensitive = self.ctx.sensitive.borrow();
            let sensitive_inputs: HashSet<String> = inputs
                .iter()
                .filter(|(_, v)| sensitive.contains(&v.span))
                .map(|(k, _)| k.clone())
                .collect();
            drop(sensitive);
            let mut ancestors = self.ancestors.clone();
            ancestors.push(real.clone());
            let mut chain = self.chain.clone();
            chain.push((header, format!("module.{name}{suffix}")));
            let child = Scope::new(
                self.ctx,
                def.clone(),
                inputs,
                sensitive_inputs,
                format!("{}module.{name}{suffix}.", self.prefix),
                key.clone(),
                chain,
                ancestors,
            )?;
            instances.push((suffix_key(&suffix), Rc::new(child)));
        }
        Ok(Some(Calls {
            repeat,
            instances: Some(instances),
        }))
    }

    /// `count` / `for_each` of a block: the instances' address suffixes and bindings; `None`
    /// when the repetition is unknown before apply (one instance is linted then, by the caller
    /// for resources).
    #[allow(clippy::type_complexity)]
    fn repetition(
        &self,
        file: &FileInfo,
        body: &Body,
        env: &mut Env,
    ) -> Result<(Repeat, Option<Vec<(String, Vec<(&'static str, Node)>)>>), Fail> {
        if let Some(c) = body.get_attribute("count") {
            let v = self.value(file, &c.value, env)?;
            let span = v.span;
            let n = match &v.value {
                Value::Int(i) => *i,
                Value::Float(f) if f.fract() == 0.0 => *f as i64,
                Value::Str(s) => match s.parse() {
                    Ok(i) => i,
                    Err(_) => return Ok((Repeat::Count, None)),
                },
                _ => return Ok((Repeat::Count, None)),
            };
            let n = n.max(0) as u64;
            self.ctx.budget.charge(n)?;
            let keys = (0..n)
                .map(|i| {
                    let idx = Node::new(Value::Int(i as i64), span);
                    let count = object(
                        vec![Entry {
                            key: "index".into(),
                            key_span: span,
                            value: idx,
                        }],
                        span,
                    );
                    (format!("[{i}]"), vec![("count", count)])
                })
                .collect();
            return Ok((Repeat::Count, Some(keys)));
        }
        if let Some(f) = body.get_attribute("for_each") {
            let v = self.value(file, &f.value, env)?;
            let span = v.span;
            let pairs: Vec<(String, Node)> = match v.value {
                Value::Map(entries) => entries
                    .into_iter()
                    .map(|e| (e.key.to_string(), e.value))
                    .collect(),
                Value::Seq(items) => {
                    let mut out = Vec::new();
                    for i in items {
                        match &i.value {
                            Value::Str(s) => out.push((s.to_string(), i.clone())),
                            _ => return Ok((Repeat::ForEach, None)),
                        }
                    }
                    out.sort_by(|a, b| a.0.cmp(&b.0));
                    out.dedup_by(|a, b| a.0 == b.0);
                    out
                }
                Value::Null => Vec::new(),
                _ => return Ok((Repeat::ForEach, None)),
            };
            self.ctx.budget.charge(pairs.len() as u64)?;
            let keys = pairs
                .into_iter()
                .map(|(k, value)| {
                    let each = object(
                        vec![
                            Entry {
                                key: "key".into(),
                                key_span: span,
                                value: string(k.as_str(), span),
                            },
                            Entry {
                                key: "value".into(),
                                key_span: span,
                                value,
                            },
                        ],
                        span,
                    );
                    (
                        format!("[{}]", serde_json::to_string(&k).unwrap_or_default()),
                        vec![("each", each)],
                    )
                })
                .collect();
            return Ok((Repeat::ForEach, Some(keys)));
        }
        Ok((Repeat::Single, Some(vec![(String::new(), Vec::new())])))
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        ctx: &'c Ctx<'c>,
        def: Rc<ModuleDef>,
        mut inputs: HashMap<String, Node>,
        sensitive_inputs: HashSet<String>,
        prefix: String,
        key: String,
        chain: Vec<(Span, String)>,
        ancestors: Vec<PathBuf>,
    ) -> Result<Scope<'c>, Fail> {
        let mut scope = Scope {
            ctx,
            def: def.clone(),
            vars: HashMap::new(),
            sensitive_vars: HashSet::new(),
            locals: RefCell::default(),
            outputs: RefCell::default(),
            calls: RefCell::default(),
            modules: RefCell::default(),
            prefix,
            key,
            chain,
            ancestors,
        };
        let mut vars = HashMap::new();
        for (name, v) in &def.vars {
            let given = inputs
                .remove(name)
                .filter(|n| !(n.is_null() && !v.nullable && v.default.is_some()));
            let value = match given {
                Some(n) => Some(n),
                None => match &v.default {
                    Some(d) => Some(scope.value(&v.file, d, &mut Env::default())?),
                    None => None,
                },
            };
            let value = match value {
                Some(n) => match &v.ty {
                    Some(t) => match types::convert(&scope.ev(&v.file), n, t, 0) {
                        Ok(n) => n,
                        Err(Fail::Budget) => return Err(Fail::Budget),
                        Err(Fail::Error) => unknown(v.span),
                    },
                    None => n,
                },
                // No default and no value: known only when someone runs `terraform apply`.
                None => unknown(v.span),
            };
            if v.sensitive || sensitive_inputs.contains(name) {
                scope.sensitive_vars.insert(name.clone());
                if v.sensitive {
                    collect_spans(&value, &mut ctx.secret_origins.borrow_mut());
                }
            }
            vars.insert(name.clone(), value);
        }
        scope.vars = vars;
        Ok(scope)
    }

    /// Every managed resource instance of this module and of its child modules.
    fn emit(&self, out: &mut Vec<Resource>) -> Result<(), Fail> {
        for r in &self.def.resources {
            self.emit_resource(r, out)?;
        }
        let names: Vec<String> = self.def.calls.iter().map(|c| c.name.clone()).collect();
        for name in names {
            let Some(calls) = self.calls_of(&name)? else {
                continue;
            };
            match &calls.instances {
                Some(instances) => {
                    for (_, child) in instances {
                        child.emit(out)?;
                    }
                }
                None => {
                    // `count` / `for_each` unknown before apply: the module is linted once, with
                    // `count.index` / `each` unknown.
                    if let Some(call) = self.def.calls.iter().find(|c| c.name == name) {
                        self.not_linted(
                            &call.file,
                            header_span(&call.file, &call.block),
                            format!("{}module.{name}", self.prefix),
                            "its count / for_each is known only after apply",
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn emit_resource(&self, r: &ResDef, out: &mut Vec<Resource>) -> Result<(), Fail> {
        let file = &r.file;
        let header = header_span(file, &r.block);
        let base = format!("{}{}.{}", self.prefix, r.ty, r.name);
        let mut env = Env::default();
        let (repeat, keys) = self.repetition(file, &r.block.body, &mut env)?;
        let keys = match keys {
            Some(k) => k,
            // Unknown repetition: one instance, its `count.index` / `each` unknown.
            None => {
                let u = unknown(header);
                let binding = match repeat {
                    Repeat::Count => vec![("count", u)],
                    _ => vec![("each", u)],
                };
                vec![("[*]".to_string(), binding)]
            }
        };
        if keys.is_empty() {
            self.not_linted(
                file,
                header,
                base,
                "count is 0 or for_each is empty: not deployed",
            );
            return Ok(());
        }
        for (suffix, bindings) in keys {
            let mut env = Env::default();
            for (n, v) in &bindings {
                env.push(n, v.clone());
            }
            let address = format!("{base}{suffix}");
            let mut b = Builder {
                scope: self,
                file,
                refs: Vec::new(),
                blocks: Vec::new(),
                keys: Vec::new(),
            };
            let root = b.body(&r.block.body, &mut env, file.span(r.block.span()), true)?;
            let mut blocks = b.blocks;
            blocks.push((Vec::new(), root.head_span(), header));
            let refs = b.refs;
            let mut sensitive = Vec::new();
            {
                let marks: HashSet<Span> = self.ctx.sensitive.borrow().iter().copied().collect();
                if !marks.is_empty() {
                    sensitive_nodes(&root, &marks, &mut sensitive);
                }
            }
            let origin = TfOrigin {
                config_address: crate::model::identity::config_address(&address).into(),
                references: refs,
                sensitive,
                source: None,
                module: Some(Box::new(TfModuleSource {
                    files: Arc::from(Vec::new()),
                    blocks,
                    calls: self.chain.clone(),
                })),
            };
            let res = if r.ty == "azapi_resource" {
                crate::adapt::tfplan::azapi::resource(self.ctx.file, &address, root, origin)
            } else {
                Some(Resource {
                    file: self.ctx.file,
                    format: Format::Terraform,
                    group: "".into(),
                    id: ResourceId {
                        kind: r.ty.as_str().into(),
                        namespace: None,
                        name: Some(address.as_str().into()),
                    },
                    root,
                    pod_path: None,
                    helm_source: None,
                    arm: None,
                    tf: Some(Box::new(origin)),
                })
            };
            if let Some(res) = res {
                out.push(res);
            } else {
                self.not_linted(
                    file,
                    header,
                    address,
                    "an azapi_resource whose `type` is not a literal \"<type>@<api-version>\"",
                );
            }
        }
        Ok(())
    }
}

fn suffix_key(suffix: &str) -> String {
    let inner = suffix.trim_start_matches('[').trim_end_matches(']');
    serde_json::from_str::<String>(inner).unwrap_or_else(|_| inner.to_string())
}

fn root_shown(scope: &Scope<'_>) -> PathBuf {
    scope.ctx.req.shown.clone()
}

fn collect_spans(n: &Node, out: &mut Vec<Span>) {
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| collect_spans(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| collect_spans(&e.value, out)),
        Value::Null | Value::Unknown => {}
        _ => out.push(n.span),
    }
}

fn sensitive_nodes(n: &Node, marks: &HashSet<Span>, out: &mut Vec<Span>) {
    if marks.contains(&n.span) {
        out.push(n.span);
    }
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| sensitive_nodes(i, marks, out)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|e| sensitive_nodes(&e.value, marks, out)),
        _ => {}
    }
}

/// `resource "t" "n"` / `network_profile`: from the block's keyword to its last label.
fn header_span(file: &FileInfo, b: &Block) -> Span {
    let start = file.span(b.ident.span());
    let end = b.labels.last().map_or(start, |l| file.span(l.span()));
    Span::new(start.start, end.end).in_source(start.src)
}

/// Meta-arguments of a resource: not attributes the provider sees.
const META: &[&str] = &["count", "for_each", "depends_on", "provider"];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Builds a resource's value tree from its body, as a plan's `values` are shaped.
struct Builder<'s, 'c> {
    scope: &'s Scope<'c>,
    file: &'s FileInfo,
    refs: Vec<(Span, Vec<Box<str>>)>,
    blocks: Vec<(Vec<Box<str>>, Span, Span)>,
    keys: Vec<Box<str>>,
}

impl Builder<'_, '_> {
    fn body(&mut self, body: &Body, env: &mut Env, span: Span, top: bool) -> R {
        let mut entries: Vec<Entry> = Vec::new();
        for st in body.iter() {
            self.scope.ctx.budget.charge(1)?;
            match st {
                Structure::Attribute(a) => {
                    let key = a.key.value().as_str();
                    if top && META.contains(&key) {
                        continue;
                    }
                    let value = self.scope.value(self.file, &a.value, env)?;
                    let mut refs = Vec::new();
                    references(self.scope, &a.value, &mut refs, 0);
                    if !refs.is_empty() {
                        refs.sort();
                        refs.dedup();
                        self.refs.push((value.span, refs));
                    }
                    entries.push(Entry {
                        key: key.into(),
                        key_span: self.file.span(a.key.span()),
                        value,
                    });
                }
                Structure::Block(b) => {
                    let ident = b.ident.value().as_str();
                    if top && META_BLOCKS.contains(&ident) {
                        continue;
                    }
                    if ident == "dynamic" {
                        self.dynamic(b, env, &mut entries)?;
                        continue;
                    }
                    self.keys.push(ident.into());
                    let header = header_span(self.file, b);
                    let el = self.block(&b.body, env, self.file.span(b.span()), header);
                    self.keys.pop();
                    push_block(&mut entries, ident, self.file.span(b.ident.span()), el?);
                }
            }
        }
        Ok(Node::new(Value::Map(entries), span))
    }

    fn block(&mut self, body: &Body, env: &mut Env, span: Span, header: Span) -> R {
        let node = self.body(body, env, span, false)?;
        self.blocks
            .push((self.keys.clone(), node.head_span(), header));
        Ok(node)
    }

    /// `dynamic "name" { for_each = …; iterator = it; content { … } }`: one block per element.
    fn dynamic(&mut self, b: &Block, env: &mut Env, entries: &mut Vec<Entry>) -> Result<(), Fail> {
        let Some(label) = b.labels.first() else {
            return Ok(());
        };
        let name = label.as_str().to_string();
        let label_span = self.file.span(label.span());
        let header = header_span(self.file, b);
        let Some(content) = b.body.get_blocks("content").next() else {
            return Ok(());
        };
        let iterator = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                Expression::Variable(v) => Some(v.value().as_str().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| name.clone());
        let coll = match b.body.get_attribute("for_each") {
            Some(a) => self.scope.value(self.file, &a.value, env)?,
            None => return Ok(()),
        };
        if coll.is_unknown() {
            // Which blocks there will be is known only after apply.
            entries.push(Entry {
                key: name.into(),
                key_span: label_span,
                value: unknown(coll.span),
            });
            return Ok(());
        }
        let Some(items) = eval::iterate(&coll) else {
            return Ok(());
        };
        self.scope.ctx.budget.charge(items.len() as u64)?;
        for (k, v) in items {
            let it = object(
                vec![
                    Entry {
                        key: "key".into(),
                        key_span: k.span,
                        value: k,
                    },
                    Entry {
                        key: "value".into(),
                        key_span: v.span,
                        value: v,
                    },
                ],
                coll.span,
            );
            env.push(&iterator, it);
            self.keys.push(name.as_str().into());
            let el = self.block(&content.body, env, self.file.span(b.span()), header);
            self.keys.pop();
            env.pop();
            push_block(entries, &name, label_span, el?);
        }
        Ok(())
    }
}

fn push_block(entries: &mut Vec<Entry>, ident: &str, key_span: Span, el: Node) {
    if let Some(e) = entries.iter_mut().find(|e| &*e.key == ident)
        && let Value::Seq(items) = &mut e.value.value
    {
        items.push(el);
        return;
    }
    let span = el.span;
    entries.push(Entry {
        key: ident.into(),
        key_span,
        value: Node::new(Value::Seq(vec![el]), span),
    });
}

/// The configuration references of an expression, as a plan's `configuration` lists them
/// (`azurerm_container_registry.acr`, `azurerm_container_registry.acr[0]`, `module.m`), also
/// through the locals it reads.
fn references(scope: &Scope<'_>, e: &Expression, out: &mut Vec<Box<str>>, depth: u32) {
    use hcl_edit::expr::TraversalOperator as Op;
    if depth > 16 || out.len() > 256 {
        return;
    }
    struct V<'a, 's> {
        scope: &'a Scope<'s>,
        out: &'a mut Vec<Box<str>>,
        depth: u32,
    }
    impl hcl_edit::visit::Visit for V<'_, '_> {
        fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
            if let Expression::Variable(root) = &t.expr {
                let root = root.value().as_str();
                let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
                    Some(Op::GetAttr(a)) => Some(a.value().as_str().to_string()),
                    _ => None,
                };
                match root {
                    "local" => {
                        if let Some(n) = attr(0)
                            && let Some((x, _)) = self.scope.def.locals.get(&n)
                        {
                            references(self.scope, x, self.out, self.depth + 1);
                        }
                    }
                    "module" => {
                        if let Some(n) = attr(0) {
                            self.out.push(format!("module.{n}").into());
                        }
                    }
                    "var" | "each" | "count" | "path" | "self" | "terraform" => {}
                    "data" => {
                        if let (Some(a), Some(b)) = (attr(0), attr(1)) {
                            self.out.push(format!("data.{a}.{b}").into());
                        }
                    }
                    ty if ty.contains('_') => {
                        if let Some(n) = attr(0) {
                            let base = format!("{ty}.{n}");
                            match t.operators.get(1).map(|o| o.value()) {
                                Some(Op::Index(Expression::Number(i))) => {
                                    self.out.push(format!("{base}[{}]", i.value()).into())
                                }
                                Some(Op::Index(Expression::String(s))) => self.out.push(
                                    format!(
                                        "{base}[{}]",
                                        serde_json::to_string(s.value().as_str())
                                            .unwrap_or_default()
                                    )
                                    .into(),
                                ),
                                Some(Op::LegacyIndex(i)) => {
                                    self.out.push(format!("{base}[{}]", i.value()).into())
                                }
                                _ => {}
                            }
                            self.out.push(base.into());
                        }
                    }
                    _ => {}
                }
            }
            hcl_edit::visit::visit_traversal(self, t);
        }
    }
    let mut v = V { scope, out, depth };
    hcl_edit::visit::Visit::visit_expr(&mut v, e);
}

/// `a/./b/../c` → `a/c`, lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

fn add_file(ctx: &Ctx<'_>, shown: Arc<str>, text: Arc<str>) -> Rc<FileInfo> {
    let mut files = ctx.files.borrow_mut();
    let src = u16::try_from(files.len() + 1).unwrap_or(u16::MAX);
    let info = Rc::new(FileInfo {
        lines: LineIndex::new(&text),
        shown,
        text,
        src,
    });
    files.push(info.clone());
    info
}

fn shown_of(dir_shown: &Path, name: &std::ffi::OsStr) -> Arc<str> {
    let p = normalize(&dir_shown.join(name));
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).into()
}

/// The files of a module directory, sorted (only inside the scanned root).
fn list_dir(confine: &ScanRoot, dir: &Path) -> Vec<PathBuf> {
    let Ok(real) = confine.resolve(dir) else {
        return Vec::new();
    };
    let Ok(rd) = std::fs::read_dir(&real) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .map(|e| dir.join(e.file_name()))
        .collect();
    v.sort();
    v
}

fn read(ctx: &Ctx<'_>, path: &Path, shown: &Arc<str>) -> Option<Arc<str>> {
    if let Some((p, text)) = &ctx.req.overlay
        && normalize(p) == normalize(path)
    {
        return Some(text.clone());
    }
    match ctx.req.confine.read_to_string(path) {
        Ok(t) => Some(strip_bom(&t).into()),
        Err(e) => {
            ctx.problems.borrow_mut().push(Problem {
                path: shown.clone(),
                span: Span::new(Pos::new(1, 1), Pos::new(1, 1)),
                limit: matches!(e, crate::confine::ReadError::TooLarge { .. }),
                message: format!("cannot read file: {e}"),
            });
            None
        }
    }
}

/// Parses a file; a syntax error is a problem at the parser's position.
fn parse(ctx: &Ctx<'_>, info: &FileInfo) -> Option<Body> {
    match hcl_edit::parser::parse_body(&info.text) {
        Ok(b) => Some(b),
        Err(e) => {
            let at = info
                .lines
                .pos(&info.text, floor_char(&info.text, e.location().offset()));
            ctx.problems.borrow_mut().push(Problem {
                path: info.shown.clone(),
                span: Span::new(at, at),
                limit: false,
                message: format!("HCL syntax error: {}", e.message().trim()),
            });
            None
        }
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn read_module(
    ctx: &Ctx<'_>,
    dir: &Path,
    shown: &Path,
    path_module: String,
    root: bool,
) -> ModuleDef {
    let mut def = ModuleDef {
        dir: dir.to_path_buf(),
        shown: shown.to_path_buf(),
        path_module,
        vars: BTreeMap::new(),
        locals: HashMap::new(),
        outputs: BTreeMap::new(),
        resources: Vec::new(),
        calls: Vec::new(),
        configs: 0,
    };
    let _ = root;
    for path in list_dir(&ctx.req.confine, dir) {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_ascii_lowercase();
        let json = name.ends_with(".tf.json");
        if !(name.ends_with(".tf") || json) {
            continue;
        }
        def.configs += 1;
        let shown_path = shown_of(shown, path.file_name().unwrap_or_default());
        let Some(text) = read(ctx, &path, &shown_path) else {
            continue;
        };
        let info = add_file(ctx, shown_path, text);
        let body = if json {
            json_body(ctx, &info)
        } else {
            parse(ctx, &info)
        };
        if let Some(body) = body {
            collect(&mut def, body, &info);
        }
    }
    def
}

fn label(b: &Block, i: usize) -> Option<String> {
    b.labels.get(i).map(|l| l.as_str().to_string())
}

fn collect(def: &mut ModuleDef, body: Body, info: &Rc<FileInfo>) {
    for st in body {
        let Structure::Block(b) = st else { continue };
        match b.ident.value().as_str() {
            "variable" => {
                let Some(name) = label(&b, 0) else { continue };
                let flag = |k: &str| b.body.get_attribute(k).and_then(|a| a.value.as_bool());
                def.vars.insert(
                    name,
                    VarDef {
                        default: b.body.get_attribute("default").map(|a| a.value.clone()),
                        ty: b.body.get_attribute("type").map(|a| a.value.clone()),
                        sensitive: flag("sensitive").unwrap_or(false),
                        nullable: flag("nullable").unwrap_or(true),
                        span: header_span(info, &b),
                        file: info.clone(),
                    },
                );
            }
            "locals" => {
                for st in b.body {
                    if let Structure::Attribute(a) = st {
                        def.locals
                            .insert(a.key.value().as_str().to_string(), (a.value, info.clone()));
                    }
                }
            }
            "output" => {
                if let (Some(name), Some(v)) = (label(&b, 0), b.body.get_attribute("value")) {
                    def.outputs.insert(name, (v.value.clone(), info.clone()));
                }
            }
            "resource" => {
                if let (Some(ty), Some(name)) = (label(&b, 0), label(&b, 1)) {
                    def.resources.push(ResDef {
                        ty,
                        name,
                        block: b,
                        file: info.clone(),
                    });
                }
            }
            "module" => {
                if let Some(name) = label(&b, 0) {
                    def.calls.push(CallDef {
                        name,
                        block: b,
                        file: info.clone(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// A `.tf.json` file: read and checked for JSON syntax, but its configuration is not evaluated
/// yet (said once as not linted).
fn json_body(ctx: &Ctx<'_>, info: &FileInfo) -> Option<Body> {
    match json::load(&info.text, &info.lines, Limits::default()) {
        Ok(_) => ctx.not_linted.borrow_mut().push(NotLinted {
            path: info.shown.clone(),
            span: Span::new(Pos::new(1, 1), Pos::new(1, 1)),
            resource: format!("resources of {}", info.shown),
            why: "Terraform JSON configuration syntax (.tf.json) is not evaluated yet",
        }),
        Err(e) => ctx.problems.borrow_mut().push(Problem {
            path: info.shown.clone(),
            span: Span::new(e.pos(), e.pos()),
            limit: e.is_limit(),
            message: format!("JSON syntax error: {e}"),
        }),
    }
    None
}

static LOCAL_SOURCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?m)^\s*source\s*=\s*"(\.\.?/[^"]*)""#).expect("valid regex"));

/// The local module directories the `.tf` files of `dir` call (`source = "./modules/aks"`),
/// lexically normalized: a walk lints those through their callers, not as root modules.
pub fn local_module_dirs(dir: &Path, confine: &ScanRoot) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in list_dir(confine, dir) {
        if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".tf"))
        {
            continue;
        }
        let Ok(text) = confine.read_to_string(&path) else {
            continue;
        };
        for c in LOCAL_SOURCE.captures_iter(&text) {
            out.push(normalize(&dir.join(&c[1])));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Root variable values: defaults < terraform.tfvars < terraform.tfvars.json <
/// *.auto.tfvars(.json) (sorted) < --tf-var-file (in order) < --tf-var.
fn root_inputs(ctx: &Ctx<'_>, def: &ModuleDef) -> HashMap<String, Node> {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    let listed = list_dir(&ctx.req.confine, &def.dir);
    let name_of = |p: &Path| {
        p.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    for want in ["terraform.tfvars", "terraform.tfvars.json"] {
        if let Some(p) = listed.iter().find(|p| name_of(p) == want) {
            files.push((p.clone(), true));
        }
    }
    for p in &listed {
        let n = name_of(p);
        if n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json") {
            files.push((p.clone(), true));
        }
    }
    for p in &ctx.req.var_files {
        files.push((p.clone(), false));
    }
    let mut values = HashMap::new();
    for (path, confined) in files {
        let shown: Arc<str> = if confined {
            shown_of(&def.shown, path.file_name().unwrap_or_default())
        } else {
            let s = path.to_string_lossy();
            s.strip_prefix("./").unwrap_or(&s).into()
        };
        let text = if confined {
            read(ctx, &path, &shown)
        } else {
            match crate::confine::read_text(&path) {
                Ok(t) => Some(Arc::from(strip_bom(&t))),
                Err(e) => {
                    ctx.problems.borrow_mut().push(Problem {
                        path: shown.clone(),
                        span: Span::new(Pos::new(1, 1), Pos::new(1, 1)),
                        limit: false,
                        message: format!("cannot read --tf-var-file: {e}"),
                    });
                    None
                }
            }
        };
        let Some(text) = text else { continue };
        let info = add_file(ctx, shown, text);
        if info.shown.to_ascii_lowercase().ends_with(".json") {
            match json::load(&info.text, &info.lines, Limits::default()) {
                Ok(Some(root)) => {
                    for e in root.as_map().unwrap_or_default() {
                        let mut v = e.value.clone();
                        in_source(&mut v, info.src);
                        values.insert(e.key.to_string(), v);
                    }
                }
                Ok(None) => {}
                Err(e) => ctx.problems.borrow_mut().push(Problem {
                    path: info.shown.clone(),
                    span: Span::new(e.pos(), e.pos()),
                    limit: e.is_limit(),
                    message: format!("JSON syntax error: {e}"),
                }),
            }
            continue;
        }
        let Some(body) = parse(ctx, &info) else {
            continue;
        };
        let ev = Eval {
            names: &Constants,
            spans: &*info,
            budget: &ctx.budget,
            sensitive: &ctx.sensitive,
        };
        for st in body.iter() {
            if let Structure::Attribute(a) = st {
                let v = match ev.eval(&a.value, &mut Env::default()) {
                    Ok(v) => v,
                    Err(_) => unknown(info.span(a.value.span())),
                };
                values.insert(a.key.value().as_str().to_string(), v);
            }
        }
    }
    if !ctx.req.vars.is_empty() {
        let info = add_file(ctx, "(--tf-var)".into(), "".into());
        for (name, raw) in &ctx.req.vars {
            let complex = types::is_complex(def.vars.get(name).and_then(|v| v.ty.as_ref()));
            let at = Span::new(Pos::new(1, 1), Pos::new(1, 1)).in_source(info.src);
            let value = if complex {
                hcl_edit::parser::parse_expr(raw)
                    .ok()
                    .and_then(|e| {
                        let tmp = FileInfo {
                            shown: info.shown.clone(),
                            text: raw.as_str().into(),
                            lines: LineIndex::new(raw),
                            src: info.src,
                        };
                        let ev = Eval {
                            names: &Constants,
                            spans: &tmp,
                            budget: &ctx.budget,
                            sensitive: &ctx.sensitive,
                        };
                        ev.eval(&e, &mut Env::default()).ok()
                    })
                    .map(|mut v| {
                        let _ = eval::respan(&mut v, at, &ctx.budget);
                        v
                    })
                    .unwrap_or_else(|| string(raw.as_str(), at))
            } else {
                string(raw.as_str(), at)
            };
            values.insert(name.clone(), value);
        }
    }
    values
}

fn in_source(n: &mut Node, src: u16) {
    n.span = n.span.in_source(src);
    match &mut n.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| in_source(i, src)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_span = e.key_span.in_source(src);
            in_source(&mut e.value, src)
        }),
        _ => {}
    }
}

pub(super) fn load(file: usize, req: &Request) -> Loaded {
    let ctx = Ctx {
        req,
        file,
        files: RefCell::default(),
        budget: Budget::new(if req.budget == 0 {
            super::DEFAULT_BUDGET
        } else {
            req.budget
        }),
        sensitive: RefCell::default(),
        secret_origins: RefCell::default(),
        problems: RefCell::default(),
        not_linted: RefCell::default(),
        modules_json: {
            let mut installed = read_modules_json(&req.dir, &req.confine);
            installed.remove("");
            installed
        },
        defs: RefCell::default(),
        root_dir: req.dir.clone(),
        budget_reported: std::cell::Cell::new(false),
    };
    let def = Rc::new(read_module(&ctx, &req.dir, &req.shown, ".".into(), true));
    let mut loaded = Loaded {
        is_module: def.configs > 0,
        ..Loaded::default()
    };
    let mut resources = Vec::new();
    if loaded.is_module {
        let inputs = root_inputs(&ctx, &def);
        let real = req
            .confine
            .resolve(&req.dir)
            .unwrap_or_else(|_| req.dir.clone());
        let outcome = Scope::new(
            &ctx,
            def.clone(),
            inputs,
            HashSet::new(),
            String::new(),
            String::new(),
            Vec::new(),
            vec![real],
        )
        .and_then(|root| root.emit(&mut resources));
        if outcome.is_err() || ctx.budget.exceeded.get() {
            report_budget(&ctx, &def);
        }
    }
    let files: Vec<Rc<FileInfo>> = ctx.files.borrow().clone();
    let names: Arc<[Arc<str>]> = files.iter().map(|f| f.shown.clone()).collect();
    // What must never be shown: sensitive values where they are written, and secrets.
    let mut hidden: Vec<Vec<Span>> = vec![Vec::new(); files.len()];
    let put = |s: Span, hidden: &mut Vec<Vec<Span>>| {
        if let Some(v) = usize::from(s.src)
            .checked_sub(1)
            .and_then(|i| hidden.get_mut(i))
        {
            v.push(s.in_source(0));
        }
    };
    for s in ctx.secret_origins.borrow().iter() {
        put(*s, &mut hidden);
    }
    for r in &mut resources {
        for s in crate::adapt::secrets::spans(&r.root) {
            put(s, &mut hidden);
        }
        if let Some(tf) = &mut r.tf {
            for s in &tf.sensitive {
                put(*s, &mut hidden);
            }
            if let Some(m) = &mut tf.module {
                m.files = names.clone();
            }
        }
    }
    for (f, spans) in files.iter().zip(&mut hidden) {
        spans.sort();
        spans.dedup();
        loaded.files.push((
            f.shown.clone(),
            crate::adapt::tfplan::redact(&f.text, spans).into(),
        ));
        loaded.raw_texts.push(f.text.clone());
    }
    loaded.secret_spans = hidden;
    loaded.resources = resources;
    loaded.problems = ctx.problems.into_inner();
    loaded.not_linted = ctx.not_linted.into_inner();
    loaded
}

fn report_budget(ctx: &Ctx<'_>, def: &ModuleDef) {
    if ctx.budget_reported.replace(true) {
        return;
    }
    let path = ctx
        .files
        .borrow()
        .first()
        .map_or_else(|| def.shown.to_string_lossy().into(), |f| f.shown.clone());
    ctx.problems.borrow_mut().push(Problem {
        path,
        span: Span::new(Pos::new(1, 1), Pos::new(1, 1)),
        limit: true,
        message: "evaluating this Terraform module exceeded its work limit (steps, values or \
                  nesting); resources past it were not linted"
            .into(),
    });
}
