//! Code actions on akslint diagnostics: suppression comments, `#` in YAML and `//` in ARM
//! templates (which allow comments).
//!
//! Other JSON (Kubernetes JSON, Terraform plans, ARM parameters files) gets none: comments
//! would make it invalid or be lost; suppress those in the configuration file.

use std::collections::{HashMap, HashSet};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Diagnostic, NumberOrString,
    Position, Range, TextEdit, WorkspaceEdit,
};

use super::diagnostics::SOURCE;
use super::store::Document;
use super::text::indentation;

const REASON: &str = "reason: <why>";

/// The comment leader of the document's language, where suppression comments are read.
fn comment_leader(doc: &Document) -> Option<&'static str> {
    if doc.is_yaml() {
        Some("#")
    } else if doc.text.contains("deploymentTemplate.json#") {
        Some("//")
    } else {
        None
    }
}

pub fn code_actions(doc: &Document, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let Some(leader) = comment_leader(doc) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in &params.context.diagnostics {
        let Some(id) = akslint_id(d) else { continue };
        // Parse errors and the linter's own findings are fixed, not suppressed.
        if id.starts_with("AKL") || !seen.insert((d.range.start.line, id)) {
            continue;
        }
        if let Some(edit) = suppress_line(doc, leader, d.range.start.line, id) {
            out.push(action(doc, format!("Suppress {id} on this line"), d, edit));
        }
    }
    out
}

fn akslint_id(d: &Diagnostic) -> Option<&str> {
    match (&d.source, &d.code) {
        (Some(s), Some(NumberOrString::String(id))) if s == SOURCE => Some(id),
        _ => None,
    }
}

fn action(doc: &Document, title: String, d: &Diagnostic, edit: TextEdit) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(doc.uri.clone(), vec![edit])])),
            ..Default::default()
        }),
        is_preferred: Some(false),
        ..Default::default()
    })
}

/// A comment on the line above `line`, with its indentation; when that line already is an
/// `akslint-ignore` comment, `id` is added to its list instead. `None` when it already names
/// `id`.
fn suppress_line(doc: &Document, leader: &str, line: u32, id: &str) -> Option<TextEdit> {
    let text = &doc.text;
    let marker = format!("{leader} akslint-ignore ");
    if line > 0 {
        let above = doc.lines.line(text, line as usize - 1);
        let indent = indentation(above);
        if let Some(rest) = above[indent.len()..].strip_prefix(marker.as_str()) {
            let ids = rest.split_whitespace().next().unwrap_or("");
            if ids.split(',').any(|i| i.trim() == id) {
                return None;
            }
            let utf16 = |s: &str| s.encode_utf16().count() as u32;
            let at = Position::new(line - 1, utf16(indent) + utf16(&marker) + utf16(ids));
            let new_text = if ids.is_empty() {
                format!("{id} ")
            } else {
                format!(",{id}")
            };
            return Some(TextEdit::new(Range::new(at, at), new_text));
        }
    }
    let current = doc.lines.line(text, line as usize);
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let at = Position::new(line, 0);
    Some(TextEdit::new(
        Range::new(at, at),
        format!("{}{marker}{id} {REASON}{eol}", indentation(current)),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::text::{LineMap, apply_change};
    use super::*;
    use std::str::FromStr;

    fn doc(text: &str) -> Document {
        named("/w/a.yaml", text)
    }

    fn named(path: &str, text: &str) -> Document {
        let uri = lsp_types::Uri::from_str(&format!("file://{path}")).unwrap();
        Document {
            path: path.into(),
            display: path.into(),
            uri,
            version: 1,
            text: text.into(),
            lines: LineMap::new(text),
            lint: None,
            edited: false,
        }
    }

    fn apply(d: &Document, e: TextEdit) -> String {
        let mut t = d.text.clone();
        apply_change(&mut t, Some(e.range), &e.new_text);
        t
    }

    #[test]
    fn inserts_an_indented_comment_above() {
        let d = doc("spec:\n  containers:\n    - name: app\n");
        let e = suppress_line(&d, "#", 2, "POD001").unwrap();
        assert_eq!(
            apply(&d, e),
            "spec:\n  containers:\n    # akslint-ignore POD001 reason: <why>\n    - name: app\n"
        );
    }

    #[test]
    fn extends_an_existing_comment() {
        let d = doc("a:\n  # akslint-ignore POD002 reason: legacy\n  b: 1\n");
        let e = suppress_line(&d, "#", 2, "POD001").unwrap();
        assert_eq!(
            apply(&d, e),
            "a:\n  # akslint-ignore POD002,POD001 reason: legacy\n  b: 1\n"
        );
        assert!(suppress_line(&d, "#", 2, "POD002").is_none());
    }

    #[test]
    fn keeps_crlf() {
        let d = doc("a: 1\r\nb: 2\r\n");
        let e = suppress_line(&d, "#", 1, "X1").unwrap();
        assert_eq!(
            apply(&d, e),
            "a: 1\r\n# akslint-ignore X1 reason: <why>\r\nb: 2\r\n"
        );
    }

    #[test]
    fn arm_templates_get_slash_comments_other_json_nothing() {
        let arm = named(
            "/w/main.json",
            "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"x\": 1\n}\n",
        );
        assert_eq!(comment_leader(&arm), Some("//"));
        let e = suppress_line(&arm, "//", 2, "SEC006").unwrap();
        assert_eq!(e.new_text, "  // akslint-ignore SEC006 reason: <why>\n");
        let k8s = named(
            "/w/pod.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n",
        );
        assert_eq!(comment_leader(&k8s), None);
    }
}
