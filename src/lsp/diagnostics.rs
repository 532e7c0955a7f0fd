//! Findings as LSP diagnostics: range (UTF-16), severity, code, help link, related locations.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use akslint::model::Finding;
use akslint::model::Report;
use akslint::model::Span;
use akslint::policy::{Level, Policy, PolicySet, Severity};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};

use super::store::{Document, Item, Linted};
use super::text::LineMap;
use super::uri;

pub const SOURCE: &str = "akslint";

/// Where the policy catalogue lives (the `helpUri` of SARIF rules).
const RULES_PAGE: &str = "https://github.com/akslint/akslint/blob/main/docs/rules.md";

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s.level() {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The policy's documentation page: the catalogue entry for built-in policies (as SARIF's
/// `helpUri`), the first reference of a custom one.
pub fn help_uri(p: &Policy) -> Option<Uri> {
    if p.builtin {
        return Uri::from_str(&format!("{RULES_PAGE}#{}", p.id.to_ascii_lowercase())).ok();
    }
    p.references.iter().find_map(|r| Uri::from_str(r).ok())
}

/// Texts used to convert positions of files that are not open (related locations).
struct Texts<'a> {
    open: HashMap<&'a str, &'a Document>,
    sources: &'a std::collections::BTreeMap<Arc<str>, Arc<str>>,
    disk: HashMap<String, Option<(Arc<str>, LineMap)>>,
    root: Option<&'a Path>,
}

impl Texts<'_> {
    fn range(&mut self, path: &str, span: Span) -> Range {
        if let Some(d) = self.open.get(path) {
            return d.lines.range(&d.text, span.start, span.end);
        }
        let sources = self.sources;
        let entry = self.disk.entry(path.to_string()).or_insert_with(|| {
            let text = sources.get(path).cloned().or_else(|| {
                akslint::confine::read_text(Path::new(path))
                    .ok()
                    .map(Arc::from)
            })?;
            let lines = LineMap::new(&text);
            Some((text, lines))
        });
        match entry {
            Some((text, lines)) => lines.range(text, span.start, span.end),
            // Exact for ASCII, which is what such files almost always are.
            None => Range::new(
                Position::new(span.start.line.max(1) - 1, span.start.col.max(1) - 1),
                Position::new(span.end.line.max(1) - 1, span.end.col.max(1) - 1),
            ),
        }
    }

    /// The URI of a reported path: the open document's own URI, else the file's.
    fn uri(&self, path: &str) -> Option<Uri> {
        if let Some(d) = self.open.get(path) {
            return Some(d.uri.clone());
        }
        let p = Path::new(path);
        if p.is_absolute() {
            return uri::from_path(p);
        }
        // A Helm template path (`chart/templates/x.yaml`) is relative: to the workspace if
        // the chart is there.
        let abs = self.root?.join(p);
        abs.is_file().then(|| uri::from_path(&abs)).flatten()
    }
}

fn diagnostic(f: &Finding, set: &PolicySet, range: Range, texts: &mut Texts<'_>) -> Diagnostic {
    let policy = &set.policies[f.rule];
    let mut related = Vec::new();
    for r in &f.related {
        let location = texts.uri(&r.path).map(|u| {
            let range = r
                .span
                .map_or_else(Range::default, |s| texts.range(&r.path, s));
            Location::new(u, range)
        });
        related.push(match location {
            Some(location) => DiagnosticRelatedInformation {
                location,
                message: r.message.clone(),
            },
            // Not a file the editor can open: say it at the finding itself.
            None => DiagnosticRelatedInformation {
                location: Location::new(texts.uri(&f.path).unwrap_or_else(placeholder), range),
                message: format!("{}: {}", r.message, r.path),
            },
        });
    }
    Diagnostic {
        range,
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.id.to_string())),
        code_description: help_uri(policy).map(|href| CodeDescription { href }),
        source: Some(SOURCE.into()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

fn placeholder() -> Uri {
    Uri::from_str("file:///").expect("a valid URI")
}

/// The diagnostics (and hover items) of each open document of a lint run, in `docs` order.
pub fn convert(
    result: &Report,
    set: &Arc<PolicySet>,
    docs: &[&Document],
    root: Option<&Path>,
) -> Vec<Linted> {
    let mut texts = Texts {
        open: docs.iter().map(|d| (&*d.display, *d)).collect(),
        sources: &result.sources,
        disk: HashMap::new(),
        root,
    };
    let slot: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (&*d.display, i))
        .collect();
    let mut out: Vec<Linted> = docs
        .iter()
        .map(|_| Linted {
            set: set.clone(),
            items: Vec::new(),
            diagnostics: Vec::new(),
        })
        .collect();
    for f in &result.findings {
        let Some(&i) = slot.get(&*f.path) else {
            continue;
        };
        let doc = docs[i];
        let range = doc.lines.range(&doc.text, f.span.start, f.span.end);
        let d = diagnostic(f, set, range, &mut texts);
        out[i].items.push(Item {
            range,
            rule: f.rule,
            message: f.message.clone(),
        });
        out[i].diagnostics.push(d);
    }
    out
}
