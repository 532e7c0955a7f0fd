//! GitHub Actions workflow commands, and the Markdown job summary.

use std::io::{self, Write};

use super::{Context, count_phrase};
use crate::policy::Severity;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    for f in &ctx.result.findings {
        let cmd = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        let mut props = format!(
            "file={},line={}",
            escape_property(&f.path),
            f.span.start.line
        );
        // GitHub rejects col/endColumn on ranges that span lines.
        if f.span.end.line > f.span.start.line {
            props.push_str(&format!(",endLine={}", f.span.end.line));
        } else {
            props.push_str(&format!(
                ",col={},endLine={},endColumn={}",
                f.span.start.col, f.span.end.line, f.span.end.col
            ));
        }
        let title = format!("{} {}", f.id, ctx.policy(f.rule).name);
        writeln!(
            w,
            "::{cmd} {props},title={}::{}",
            escape_property(&title),
            escape_data(&f.message)
        )?;
    }
    if !ctx.quiet {
        // Plain log lines (a line starting with `::` would be a workflow command).
        for (_, note) in super::run_notes(ctx.result) {
            writeln!(w, "akslint: {note}.")?;
        }
    }
    Ok(())
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(ctx: &Context<'_>) -> String {
    let findings = &ctx.result.findings;
    let mut s = String::from("## akslint\n\n");
    for (_, note) in super::run_notes(ctx.result) {
        s.push_str(&format!("{note}.\n\n"));
    }
    if findings.is_empty() {
        s.push_str("No findings.\n");
        return s;
    }
    s.push_str(&format!("{}.\n\n", count_phrase(findings)));
    s.push_str("| severity | id | location | message |\n|---|---|---|---|\n");
    for f in findings {
        s.push_str(&format!(
            "| {} | {} | `{}:{}` | {} |\n",
            f.severity,
            f.id,
            f.path,
            f.span.start.line,
            f.message.replace('|', "\\|").replace('\n', " ")
        ));
    }
    s
}
