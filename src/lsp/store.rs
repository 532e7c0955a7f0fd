//! The open documents: their text as the editor has it, and what the last lint found in them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use akslint::policy::PolicySet;
use lsp_types::{Diagnostic, Range, TextDocumentContentChangeEvent, Uri};

use super::text::{LineMap, apply_change};
use super::uri;

/// A finding as hover needs it.
#[derive(Clone, Debug)]
pub struct Item {
    pub range: Range,
    /// Index into `Linted::set.policies`.
    pub rule: usize,
    pub message: String,
}

/// The outcome of the last lint of a document.
#[derive(Clone, Debug)]
pub struct Linted {
    pub set: Arc<PolicySet>,
    pub items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct Document {
    pub uri: Uri,
    /// The local path, as the engine reports it.
    pub path: PathBuf,
    pub display: Arc<str>,
    pub version: i32,
    pub text: String,
    pub lines: LineMap,
    pub lint: Option<Linted>,
    /// Opened or edited since its diagnostics were last published.
    pub edited: bool,
}

impl Document {
    pub fn is_yaml(&self) -> bool {
        matches!(extension(&self.display).as_deref(), Some("yaml" | "yml"))
    }
}

fn extension(path: &str) -> Option<String> {
    path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

/// A `file://` document akslint reads: `.yaml`, `.yml`, `.json`, `.bicep` or `.bicepparam`, or a
/// Terraform module's `.tf` / `.tfvars` (its whole module is linted, with the buffer's unsaved
/// text).
pub fn lintable_path(u: &Uri) -> Option<PathBuf> {
    let path = uri::to_path(u)?;
    let name = path.to_string_lossy().into_owned();
    matches!(
        extension(&name).as_deref(),
        Some("yaml" | "yml" | "json" | "bicep" | "bicepparam" | "tf" | "tfvars")
    )
    .then_some(path)
}

#[derive(Debug, Default)]
pub struct Documents {
    docs: BTreeMap<Uri, Document>,
}

impl Documents {
    /// Opens (or reopens) a document; `false` when akslint does not read it.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> bool {
        let Some(path) = lintable_path(&uri) else {
            return false;
        };
        let display = akslint::discover::display_path(&path).into();
        let lines = LineMap::new(&text);
        self.docs.insert(
            uri.clone(),
            Document {
                uri,
                path,
                display,
                version,
                text,
                lines,
                lint: None,
                edited: true,
            },
        );
        true
    }

    /// Applies edits in order; `false` for a document that is not open here.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> bool {
        let Some(doc) = self.docs.get_mut(uri) else {
            return false;
        };
        for c in changes {
            apply_change(&mut doc.text, c.range, &c.text);
        }
        doc.version = version;
        doc.lines = LineMap::new(&doc.text);
        doc.edited = true;
        true
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.docs.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.docs.get(uri)
    }

    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.docs.get_mut(uri)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.docs.values()
    }
}
