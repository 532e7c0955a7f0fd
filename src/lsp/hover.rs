//! Hover on a finding: the policy's title, the finding's message and the policy's docs.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Range};

use super::diagnostics::help_uri;
use super::store::Document;

fn covers(r: &Range, p: Position) -> bool {
    r.start <= p && p <= r.end
}

pub fn hover(doc: &Document, pos: Position) -> Option<Hover> {
    let lint = doc.lint.as_ref()?;
    let hits: Vec<_> = lint
        .items
        .iter()
        .filter(|i| covers(&i.range, pos))
        .collect();
    let first = hits.first()?;
    let mut seen = std::collections::HashSet::new();
    let sections: Vec<String> = hits
        .iter()
        .filter(|i| seen.insert((i.rule, &i.message)))
        .map(|i| {
            let p = &lint.set.policies[i.rule];
            let mut md = format!(
                "### {} {}\n\n*{}* · `{}`\n\n{}\n\n",
                p.id,
                p.title,
                p.severity.as_str(),
                p.name,
                i.message
            );
            if p.docs.trim().is_empty() {
                md.push_str(&p.help);
            } else {
                md.push_str(&demote_headings(&p.docs));
            }
            if let Some(u) = help_uri(p) {
                md.push_str(&format!("\n\n[{} documentation]({})", p.id, u.as_str()));
            }
            md
        })
        .collect();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(first.range),
    })
}

/// The docs' `## What it does` sections become `####`, below the hover's own `###` title.
fn demote_headings(docs: &str) -> String {
    let mut out = String::with_capacity(docs.len() + 64);
    let mut fenced = false;
    for line in docs.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            out.push_str("##");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_outside_code_are_demoted() {
        let docs = "## What it does\ntext\n```yaml\n# a comment\n```\n## How to fix";
        assert_eq!(
            demote_headings(docs),
            "#### What it does\ntext\n```yaml\n# a comment\n```\n#### How to fix"
        );
    }
}
