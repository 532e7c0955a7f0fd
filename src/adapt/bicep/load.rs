//! One `.bicep` or `.bicepparam` input: parse, bind its parameters files, evaluate (modules
//! followed), and say what the engine needs to report: resources, problems, the texts of the
//! other files findings may point into, what was not linted or not deployed.

use crate::model::LinterCode;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::eval::{Env, Loader, Scope};
use super::syntax::{self, Decl, Program};
use crate::adapt::arm;
use crate::confine::ScanRoot;
use crate::model::{Node, Pos, Resource, Span};

/// A problem to report as a linter finding: file (as shown), span, id, message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reported {
    pub path: Arc<str>,
    pub span: Span,
    pub id: LinterCode,
    pub message: String,
}

/// A declaration not deployed: its file, where, what, and the parameters file evaluated.
pub type SkippedAt = (Arc<str>, Pos, String, Option<Arc<str>>);

/// What one input yields.
#[derive(Debug, Default)]
pub struct Loaded {
    pub resources: Vec<Resource>,
    /// AKL001 (syntax errors, in this file or a module or parameters file) and AKL003
    /// (limits), each at its file.
    pub problems: Vec<Reported>,
    /// Files besides the input that findings may point into: (shown path, text).
    pub texts: Vec<(Arc<str>, Arc<str>)>,
    /// The evaluation budget ran out.
    pub exceeded: bool,
    pub unknown_functions: Vec<String>,
    /// Declarations not deployed with the parameters evaluated: (file, where, what, params).
    pub skipped: Vec<SkippedAt>,
    /// Modules not linted: (file, where, what, why).
    pub not_linted: Vec<(Arc<str>, Pos, String, &'static str)>,
    /// Notes for stderr (`.bicepparam` files read with their template).
    pub notes: Vec<String>,
    /// False when the input itself does not parse (or is not read: a `.bicepparam` whose
    /// template is linted with it anyway).
    pub parsed: bool,
    /// A `.bicepparam` whose template is in the run: linted there, not here.
    pub deferred: bool,
}

pub fn is_bicep(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case("bicep"))
}

pub fn is_bicepparam(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case("bicepparam"))
}

/// What the engine knows of the run: which files (as shown) are inputs.
pub trait Run {
    fn has_input(&self, shown: &str) -> bool;
}

impl<F: Fn(&str) -> bool> Run for F {
    fn has_input(&self, shown: &str) -> bool {
        self(shown)
    }
}

/// The files of a run as Bicep inputs see them.
#[derive(Debug, Default, Clone)]
pub struct RunFiles {
    /// Every input, as shown.
    pub inputs: std::collections::HashSet<Arc<str>>,
    /// `.bicep` inputs that another `.bicep` input uses as a local module (as shown).
    pub modules: std::collections::HashSet<Arc<str>>,
}

impl Run for RunFiles {
    fn has_input(&self, shown: &str) -> bool {
        self.inputs.contains(shown)
    }
}

static MODULE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?m)^[ \t]*module[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+'([^'$]+)'")
        .expect("valid regex")
});

/// The local module files a `.bicep` text names, as shown (relative to `shown`'s directory).
pub fn module_paths(text: &str, shown: &str) -> Vec<Arc<str>> {
    let dir = Path::new(shown)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    MODULE
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .filter(|p| !super::eval::is_remote_module(p))
        .map(|p| {
            super::eval::normalize(&dir.join(p))
                .to_string_lossy()
                .into_owned()
                .into()
        })
        .collect()
}

struct Parsed {
    src: u16,
    program: Program,
    path: Option<PathBuf>,
    shown: Arc<str>,
}

fn with_ext(shown: &str, ext: &str) -> String {
    Path::new(shown)
        .with_extension(ext)
        .to_string_lossy()
        .into_owned()
}

/// The template a `.bicepparam` names (`using './main.bicep'`), resolved from its directory.
fn using_target(program: &Program) -> Option<(&str, Span)> {
    program.decls.iter().find_map(|d| match d {
        Decl::Using(Some((p, s))) => Some((&**p, *s)),
        _ => None,
    })
}

/// `.bicepparam` files beside `template` whose `using` names it, sorted.
fn params_beside(template: &Path, root: &ScanRoot) -> Vec<PathBuf> {
    let Some(dir) = template.parent() else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(me) = std::fs::canonicalize(template) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_str().is_some_and(is_bicepparam) && root.has_file(p))
        .filter(|p| {
            let Ok(text) = root.read_to_string(p) else {
                return false;
            };
            let Ok(program) = syntax::parse(crate::source::strip_bom(&text), 0) else {
                // A broken one is reported when it is bound: keep it if it names us.
                return text.contains(
                    template
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("\u{0}"),
                );
            };
            using_target(&program)
                .and_then(|(u, _)| std::fs::canonicalize(dir.join(u)).ok())
                .is_some_and(|t| t == me)
        })
        .collect();
    out.sort();
    out
}

/// Lints one `.bicep` (with the `.bicepparam` files beside it that name it, each a separate
/// evaluation; without one, its defaults) or one `.bicepparam` (its template evaluated with
/// it, unless that template is an input of this run in the same directory, which binds it).
pub fn load(
    file: usize,
    text: &str,
    on_disk: Option<&Path>,
    shown: &Arc<str>,
    root: &ScanRoot,
    run: &dyn Run,
) -> Loaded {
    let mut out = Loaded::default();
    let first = match syntax::parse(text, 0) {
        Ok(p) => p,
        Err((pos, message)) => {
            out.problems.push(Reported {
                path: shown.clone(),
                span: Span::new(pos, pos),
                id: LinterCode::ParseError,
                message: format!("Bicep syntax error: {message}"),
            });
            return out;
        }
    };
    out.parsed = true;
    if is_bicepparam(shown) {
        let Some((using, using_span)) = using_target(&first) else {
            // `using none`, or no `using`: nothing to evaluate.
            return out;
        };
        let shown_dir = Path::new(&**shown)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let t_shown: Arc<str> = super::eval::normalize(&shown_dir.join(using))
            .to_string_lossy()
            .into_owned()
            .into();
        let Some(t_disk) = on_disk.and_then(|p| p.parent()).map(|d| d.join(using)) else {
            return out;
        };
        let same_dir = Path::new(using)
            .parent()
            .is_none_or(|p| p.as_os_str().is_empty() || p == Path::new("."));
        if same_dir && run.has_input(&t_shown) {
            out.deferred = true;
            return out;
        }
        let t_text = match root.read_to_string(&t_disk) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(Reported {
                    path: shown.clone(),
                    span: using_span,
                    id: LinterCode::ParseError,
                    message: format!("the template `{using}` is not read: {e}"),
                });
                return out;
            }
        };
        let t_text: Arc<str> = crate::source::strip_bom(&t_text).into();
        let params = Parsed {
            src: 0,
            program: first,
            path: on_disk.map(Path::to_path_buf),
            shown: shown.clone(),
        };
        evaluate(
            file,
            root,
            &mut out,
            None,
            Some(params),
            Some((t_disk, t_shown, t_text)),
            true,
        );
        return out;
    }
    let template = Parsed {
        src: 0,
        program: first,
        path: on_disk.map(Path::to_path_buf),
        shown: shown.clone(),
    };
    let bound: Vec<PathBuf> = on_disk.map(|p| params_beside(p, root)).unwrap_or_default();
    let compiled = on_disk.and_then(|p| compiled_beside(p, shown, root, run));
    if bound.is_empty() {
        evaluate(file, root, &mut out, Some(&template), None, None, true);
    } else {
        let dir_shown = Path::new(&**shown)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for (i, p) in bound.iter().enumerate() {
            let p_shown: Arc<str> = dir_shown
                .join(p.file_name().unwrap_or_default())
                .to_string_lossy()
                .into_owned()
                .into();
            let Ok(p_text) = root.read_to_string(p) else {
                continue;
            };
            let p_text = crate::source::strip_bom(&p_text).to_string();
            // Source 1 in every evaluation: the parameters file.
            let program = match syntax::parse(&p_text, 1) {
                Ok(pr) => pr,
                Err((pos, message)) => {
                    out.problems.push(Reported {
                        path: p_shown.clone(),
                        span: Span::new(pos, pos),
                        id: LinterCode::ParseError,
                        message: format!("Bicep syntax error: {message}"),
                    });
                    continue;
                }
            };
            out.texts.push((p_shown.clone(), p_text.as_str().into()));
            let params = Parsed {
                src: 1,
                program,
                path: Some(p.clone()),
                shown: p_shown,
            };
            evaluate_bound(file, root, &mut out, &template, params, i == 0, &p_text);
        }
    }
    if let Some((json_shown, compiled)) = compiled {
        attach_compiled(&mut out.resources, &json_shown, compiled);
    }
    out
}

/// Evaluates `template` with a `.bicepparam` (source 1) whose text is `p_text`.
fn evaluate_bound(
    file: usize,
    root: &ScanRoot,
    out: &mut Loaded,
    template: &Parsed,
    params: Parsed,
    first: bool,
    p_text: &str,
) {
    let mut loader = Loader::new(file, root);
    loader.emit_templates = first;
    loader.parameters = Some(params.shown.clone());
    loader.add_file(params.shown.clone(), p_text.into());
    let bound = bind(&loader, &params);
    let scope = Scope::new(
        &loader,
        &template.program,
        template.src,
        template.path.clone(),
        template.shown.clone(),
        bound,
    );
    scope.walk();
    drop(scope);
    finish(loader, &template.shown, out);
}

/// The values of a `.bicepparam`'s `param x = …`, evaluated in that file (its `var`s).
fn bind(loader: &Loader<'_>, params: &Parsed) -> Vec<(String, Node)> {
    let scope = Scope::new(
        loader,
        &params.program,
        params.src,
        params.path.clone(),
        params.shown.clone(),
        Vec::new(),
    );
    params
        .program
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::ParamValue { name, value, .. } => {
                Some((name.to_string(), scope.eval(value, &Env::default())))
            }
            _ => None,
        })
        .collect()
}

/// One evaluation: of `template` with its defaults, or (for a `.bicepparam` input, source 0)
/// of the template it names (source 1) with its values.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    file: usize,
    root: &ScanRoot,
    out: &mut Loaded,
    template: Option<&Parsed>,
    params: Option<Parsed>,
    named: Option<(PathBuf, Arc<str>, Arc<str>)>,
    first: bool,
) {
    let mut loader = Loader::new(file, root);
    loader.emit_templates = first;
    match (template, params, named) {
        (Some(t), _, _) => {
            let scope = Scope::new(
                &loader,
                &t.program,
                t.src,
                t.path.clone(),
                t.shown.clone(),
                Vec::new(),
            );
            scope.walk();
            drop(scope);
            finish(loader, &t.shown, out);
        }
        (None, Some(p), Some((t_disk, t_shown, t_text))) => {
            loader.parameters = Some(p.shown.clone());
            let src = loader.add_file(t_shown.clone(), t_text.clone());
            out.texts.push((t_shown.clone(), t_text.clone()));
            let program = match syntax::parse(&t_text, src) {
                Ok(pr) => pr,
                Err((pos, message)) => {
                    out.problems.push(Reported {
                        path: t_shown,
                        span: Span::new(pos, pos),
                        id: LinterCode::ParseError,
                        message: format!("Bicep syntax error: {message}"),
                    });
                    return;
                }
            };
            let bound = bind(&loader, &p);
            let scope = Scope::new(&loader, &program, src, Some(t_disk), t_shown, bound);
            scope.walk();
            drop(scope);
            finish(loader, &p.shown, out);
        }
        _ => {}
    }
}

/// Moves what an evaluation found into `out`; `top` is the file shown for source 0.
fn finish(loader: Loader<'_>, top: &Arc<str>, out: &mut Loaded) {
    let files = loader.files.into_inner();
    let sources: Vec<Arc<str>> = files.iter().map(|f| f.shown.clone()).collect();
    let shown = |src: u16| -> Arc<str> {
        match src {
            0 => top.clone(),
            n => sources
                .get(usize::from(n) - 1)
                .cloned()
                .unwrap_or_else(|| top.clone()),
        }
    };
    for f in &files {
        if !out.texts.iter().any(|(p, _)| *p == f.shown) {
            out.texts.push((f.shown.clone(), f.text.clone()));
        }
    }
    for p in loader.problems.into_inner() {
        out.problems.push(Reported {
            path: shown(p.src),
            span: p.span.in_source(0),
            id: p.id,
            message: p.message,
        });
    }
    for (span, why) in loader.budget.over_limits.into_inner() {
        out.problems.push(Reported {
            path: shown(span.src),
            span: span.in_source(0),
            id: LinterCode::InputLimitExceeded,
            message: why,
        });
    }
    out.exceeded |= loader.budget.exceeded.get();
    out.unknown_functions
        .extend(loader.budget.unknown_functions.into_inner());
    for m in loader.not_linted.into_inner() {
        out.not_linted
            .push((shown(m.src), m.span.start, m.module, m.why));
    }
    for s in loader.skipped.into_inner() {
        out.skipped
            .push((shown(s.at.src), s.at.start, s.resource, s.parameters));
    }
    for mut r in loader.out.into_inner() {
        if let Some(a) = r.arm.as_mut() {
            a.sources = sources.clone();
        }
        out.resources.push(r);
    }
    out.problems.sort();
    out.problems.dedup();
    out.not_linted.sort();
    out.not_linted.dedup();
    out.unknown_functions.sort();
    out.unknown_functions.dedup();
}

/// The compiled `<stem>.json` beside a `.bicep`, when it is an input of this run and Bicep
/// generated it: its evaluated resources.
fn compiled_beside(
    bicep: &Path,
    shown: &str,
    root: &ScanRoot,
    run: &dyn Run,
) -> Option<(Arc<str>, Vec<Resource>)> {
    let json_shown = with_ext(shown, "json");
    if !run.has_input(&json_shown) {
        return None;
    }
    let json = bicep.with_extension("json");
    let text = root.read_to_string(&json).ok()?;
    let text = crate::source::strip_bom(&text);
    let lines = crate::source::LineIndex::new(text);
    let doc = crate::source::json::load(text, &lines, crate::source::Limits::default()).ok()??;
    if !is_compiled_bicep(&doc) {
        return None;
    }
    let loaded = arm::load(0, &json_shown, &doc, &[], None);
    Some((json_shown.into(), loaded.resources))
}

/// A template Bicep generated (`metadata._generator.name: bicep`).
pub fn is_compiled_bicep(doc: &Node) -> bool {
    doc.get("metadata")
        .and_then(|m| m.get("_generator"))
        .and_then(|g| g.get_str("name"))
        .is_some_and(|n| n.eq_ignore_ascii_case("bicep"))
}

/// Whether the compiled template at `json` (shown `json_shown`) is checked through its Bicep
/// source instead: its `<stem>.bicep` is an input of the run and Bicep generated it.
pub fn checked_as_bicep(json_shown: &str, doc: &Node, run: &dyn Run) -> bool {
    is_compiled_bicep(doc) && run.has_input(&with_ext(json_shown, "bicep"))
}

/// Gives each Bicep resource its compiled twin (same type and name, else same symbol).
fn attach_compiled(resources: &mut [Resource], json_shown: &Arc<str>, compiled: Vec<Resource>) {
    for r in resources.iter_mut() {
        let Some(arm) = r.arm.as_mut() else { continue };
        let twin = compiled.iter().find(|c| {
            c.arm.as_ref().is_some_and(|ca| {
                (!ca.refs.is_empty() && ca.refs == arm.refs)
                    || (c.kind() == r.id.kind.as_ref()
                        && ca.symbol.is_some()
                        && ca.symbol == arm.symbol)
                    || (c.kind() == "template" && r.id.kind.as_ref() == "template")
            })
        });
        if let (Some(t), Some(b)) = (twin, arm.bicep_source.as_mut()) {
            b.compiled = Some((json_shown.clone(), t.root.clone()));
        }
    }
}

/// The related locations of a Bicep resource's finding besides its declaration: the module
/// calls that deployed it (outermost first), and the node of the compiled template beside it
/// (the deepest of `keys` there). `shown(src)` names a source file.
pub fn related(
    origin: &crate::model::BicepOrigin,
    keys: &[&str],
    shown: &dyn Fn(u16) -> Arc<str>,
) -> Vec<(Arc<str>, Span, String)> {
    let mut out = Vec::new();
    for (span, what) in &origin.chain {
        out.push((shown(span.src), span.in_source(0), what.clone()));
    }
    if let Some((json, root)) = &origin.compiled {
        let mut node = root;
        let mut span = root.head_span();
        for k in keys {
            match node.entry_ignore_case(k) {
                Some(e) => {
                    // The property in the compiled resource (its value may point elsewhere,
                    // at a parameter's default).
                    span = e.key_span;
                    node = &e.value;
                }
                None => break,
            }
        }
        out.push((
            json.clone(),
            span.in_source(0),
            "compiled to this node of the template".into(),
        ));
    }
    out
}
