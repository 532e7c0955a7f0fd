//! Code frames in the style of miette (and rustc): what a person at a terminal reads.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Context, count_phrase};
use crate::model::FileKind;
use crate::model::Finding;
use crate::model::Level;
use crate::model::LineIndex;
use crate::model::text::{frame_text, printable};

/// Lines of context shown around the offending node.
const CONTEXT: usize = 2;

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let theme = if ctx.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(CONTEXT)
        .with_width(120);
    let mut indexes: BTreeMap<&str, LineIndex> = BTreeMap::new();
    for f in &ctx.result.findings {
        let src = ctx.result.sources.get(&f.path);
        let window = src.map(|text| {
            let idx = indexes
                .entry(&f.path)
                .or_insert_with(|| LineIndex::new(text));
            Window::around(f, text, idx)
        });
        let policy = ctx.rule(f.rule);
        let diag = FindingDiagnostic {
            finding: f,
            code: format!("{} {}", f.id, policy.name),
            help: frame_text(&help_text(f, policy.help)).into_owned(),
            window,
        };
        let mut out = String::new();
        handler
            .render_report(&mut out, &diag)
            .map_err(|_| io::Error::other("formatting failed"))?;
        w.write_all(out.as_bytes())?;
        writeln!(w)?;
    }
    if ctx.quiet {
        return Ok(());
    }
    summary(ctx, w)?;
    for (_, note) in super::run_notes(ctx.result) {
        writeln!(w, "{note}.")?;
    }
    Ok(())
}

fn help_text(f: &Finding, help: &str) -> String {
    let mut s = help.to_string();
    for r in &f.related {
        s.push_str(&format!("\nrelated: {}", printable(&r.path)));
        if let Some(sp) = r.span {
            s.push_str(&format!(":{}:{}", sp.start.line, sp.start.col));
        }
        s.push_str(&format!(" ({})", printable(&r.message)));
    }
    s
}

fn summary(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let files = &ctx.result.files;
    let linted = files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::Kubernetes | FileKind::Helm | FileKind::Arm | FileKind::Terraform
            )
        })
        .count();
    let resources: usize = files.iter().map(|f| f.resources).sum();
    let findings = &ctx.result.findings;
    let in_files = {
        let mut p: Vec<&Arc<str>> = findings.iter().map(|f| &f.path).collect();
        p.dedup();
        p.len()
    };
    if findings.is_empty() {
        writeln!(
            w,
            "No findings: checked {} in {linted} {}.",
            super::plural(resources, "resource", "resources"),
            files_word(linted)
        )
    } else {
        writeln!(
            w,
            "Found {} in {in_files} {}; checked {} in {linted} {}.",
            count_phrase(findings),
            files_word(in_files),
            super::plural(resources, "resource", "resources"),
            files_word(linted),
        )
    }
}

fn files_word(n: usize) -> &'static str {
    if n == 1 { "file" } else { "files" }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    code: String,
    help: String,
    window: Option<Window>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without the file's text (unreadable, binary, not UTF-8) there is no snippet to carry
        // the location, so the message does.
        if self.window.is_none() {
            let at = self.finding.span.start;
            write!(
                f,
                "{}:{}:{}: ",
                printable(&self.finding.path),
                at.line,
                at.col
            )?;
        }
        f.write_str(&printable(&self.finding.message))
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity.level() {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
            Level::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.window.as_ref().map(|w| w as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let w = self.window.as_ref()?;
        let label = self.finding.resource.as_ref().map_or_else(
            || "here".to_string(),
            |r| printable(&r.to_string()).into_owned(),
        );
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), w.label),
        )))
    }
}

/// The few lines around a finding, so rendering costs the same for a 10-line file and a
/// 10-MB one.
struct Window {
    name: String,
    text: String,
    /// 0-based line number of the window's first line in the file.
    first_line: usize,
    label: SourceSpan,
}

impl Window {
    fn around(f: &Finding, text: &str, idx: &LineIndex) -> Window {
        let start_line = (f.span.start.line.max(1) - 1) as usize;
        let end_line = (f.span.end.line.max(f.span.start.line).max(1) - 1) as usize;
        let first = start_line.saturating_sub(CONTEXT + 1);
        let last = (end_line + CONTEXT + 1).min(idx.line_count() - 1);
        let from = idx.line_start(first);
        let to = if last + 1 < idx.line_count() {
            idx.line_start(last + 1)
        } else {
            text.len()
        };
        let start = idx.offset(text, f.span.start);
        let mut end = idx.offset(text, f.span.end).max(start);
        // Point at the first line only: a block value would otherwise underline a whole region.
        let line_end = text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| start + i);
        end = end.min(line_end);
        Window {
            name: printable(&f.path).into_owned(),
            // Same lengths: the label's offsets stay right.
            text: frame_text(&text[from..to]).into_owned(),
            first_line: first,
            label: SourceSpan::new((start - from).into(), end - start),
        }
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self.text.as_str().read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line() + self.first_line,
            c.column(),
            c.line_count(),
        )))
    }
}
