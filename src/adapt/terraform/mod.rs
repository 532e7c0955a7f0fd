//! Terraform source: a directory of `*.tf` (and `*.tf.json`) files linted without a plan.
//!
//! The module's files are parsed with `hcl-edit` (spans kept), evaluated with unknown as a
//! value (variables from defaults, `terraform.tfvars`, `*.auto.tfvars`, `--tf-var-file` and
//! `--tf-var`; locals; local child modules and those `terraform init` installed), and every
//! managed `resource` instance becomes a [`Resource`] shaped like a plan's: blocks are lists of
//! objects, the kind is the resource type, the name its full address. The `terraform` policies
//! run on them unchanged.

pub mod eval;
mod functions;
mod module;
mod types;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::confine::ScanRoot;
use crate::model::{Resource, Span};

pub use module::local_module_dirs;

/// What to load: a root module directory.
#[derive(Debug, Clone)]
pub struct Request {
    /// The directory on disk.
    pub dir: PathBuf,
    /// How paths under it are shown (relative to the working directory).
    pub shown: PathBuf,
    /// Where its files (and its modules' files) may be read from.
    pub confine: ScanRoot,
    /// The unsaved text of one of its files (an editor buffer, standard input): (path on disk
    /// as `dir.join(name)`, text).
    pub overlay: Option<(PathBuf, Arc<str>)>,
    /// `--tf-var-file` files, in order (later ones win).
    pub var_files: Vec<PathBuf>,
    /// `--tf-var NAME=VALUE`, in order (later ones win, and over every file).
    pub vars: Vec<(String, String)>,
    /// Work budget (steps and value nodes) of the whole module tree.
    pub budget: u64,
}

/// Budget units of one root module: ~100 times what a large real module needs.
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// A problem with the module's files: AKL001 (syntax) or AKL003 (a limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: Arc<str>,
    pub span: Span,
    /// AKL003 rather than AKL001.
    pub limit: bool,
    pub message: String,
}

/// A resource (or module call) of the module that is not linted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLinted {
    pub path: Arc<str>,
    pub span: Span,
    pub resource: String,
    pub why: &'static str,
}

/// The result of loading a module.
#[derive(Debug, Default)]
pub struct Loaded {
    /// False when the directory holds no `.tf` / `.tf.json` file.
    pub is_module: bool,
    pub resources: Vec<Resource>,
    pub problems: Vec<Problem>,
    /// Every file read: (shown path, text with sensitive values masked); `Span::src` n of the
    /// resources' nodes is `files[n - 1]`.
    pub files: Vec<(Arc<str>, Arc<str>)>,
    /// Per file (same order), the spans (file-local, `src` 0) of sensitive and secret values:
    /// scrubbed from messages.
    pub secret_spans: Vec<Vec<Span>>,
    /// The unmasked texts, for `SecretValues` (same order as `files`).
    pub raw_texts: Vec<Arc<str>>,
    pub not_linted: Vec<NotLinted>,
}

/// Whether a path names a file of a Terraform module: `.tf`, `.tf.json`, `.tfvars`,
/// `.tfvars.json`.
pub fn is_module_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf")
        || lower.ends_with(".tf.json")
        || lower.ends_with(".tfvars")
        || lower.ends_with(".tfvars.json")
}

/// Whether a path names a configuration file (`.tf` / `.tf.json`), not a variables file.
pub fn is_config_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf") || lower.ends_with(".tf.json")
}

/// Loads and evaluates the root module at `req.dir`.
pub fn load(file: usize, req: &Request) -> Loaded {
    module::load(file, req)
}

/// Where a finding on a `.tf` resource is: the file its node is in (`Span::src`), the block or
/// resource header when the node is a whole block, and the module calls that lead to it as
/// related locations. Returns the path and the span (in that file, `src` 0); `None` for
/// resources of other formats.
pub fn locate(
    res: &Resource,
    span: Span,
    keys: &[String],
    related: &mut Vec<crate::model::RelatedLocation>,
) -> Option<(Arc<str>, Span)> {
    let src = res.tf.as_ref()?.module.as_ref()?;
    let file_of = |s: Span| -> Option<Arc<str>> {
        usize::from(s.src)
            .checked_sub(1)
            .and_then(|i| src.files.get(i))
            .cloned()
    };
    let mut at = span;
    if let Some((_, _, header)) = src.blocks.iter().find(|(k, head, _)| {
        *head == span && k.len() == keys.len() && k.iter().zip(keys).all(|(a, b)| **a == **b)
    }) {
        at = *header;
    }
    let path = file_of(at)?;
    // Other places of this module tree named by `src` (a relation's other resource, the ARM
    // declaration of an `azapi_resource`).
    for r in related.iter_mut() {
        if let Some(s) = r.span
            && s.src != 0
            && let Some(p) = file_of(s)
        {
            r.path = p;
            r.span = Some(s.in_source(0));
        }
    }
    for (call, name) in &src.calls {
        if let Some(p) = file_of(*call) {
            related.push(crate::model::RelatedLocation {
                path: p,
                span: Some(call.in_source(0)),
                message: format!("through `{name}`"),
                in_repository: true,
            });
        }
    }
    Some((path, at.in_source(0)))
}

/// The file a `.tf` source resource is declared in (`None` for other resources).
pub fn resource_file(res: &Resource) -> Option<Arc<str>> {
    let m = res.tf.as_ref()?.module.as_ref()?;
    usize::from(res.root.span.src)
        .checked_sub(1)
        .and_then(|i| m.files.get(i))
        .cloned()
}

/// The directory a module file belongs to, and whether it is on disk.
pub fn module_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
