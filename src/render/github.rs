//! GitHub Actions workflow commands, and the Markdown job summary.

use std::io::{self, Write};

use super::{Context, count_phrase};
use crate::model::Finding;
use crate::model::text::printable;
use crate::model::{Level, Severity};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The findings worst first (critical, high, medium, low; then file, line, column, id):
/// GitHub shows only the first 10 error and 10 warning annotations of a step, and the first
/// rows of a summary are the ones read.
fn worst_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    // Stable: findings come sorted by file and position already.
    v.sort_by_key(|f| std::cmp::Reverse(f.severity));
    v
}

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    for f in worst_first(&ctx.result.findings) {
        let cmd = match f.severity.level() {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let mut props = format!(
            "file={},line={}",
            escape_property(&printable(&f.path)),
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
        let title = format!("{} {}", f.id, printable(ctx.rule(f.rule).name));
        writeln!(
            w,
            "::{cmd} {props},title={}::{}",
            escape_property(&title),
            escape_data(&printable(&f.message))
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

/// GitHub refuses a step summary over 1 MiB whole; this leaves room for what other steps of
/// the job append.
pub const STEP_SUMMARY_BUDGET: usize = 900 * 1024;

/// A table cell of input-derived text: nothing in it is Markdown or HTML. Control characters
/// are written visibly (no line break ends the row), `<`, `>` and `&` become entities (no
/// raw HTML), and the characters Markdown gives a meaning inside a line are backslash-escaped
/// (`|` would end the cell, a backtick open a code span, `[`/`]` a link, `*`/`_`/`~`
/// emphasis).
fn cell(s: &str) -> String {
    let s = printable(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Inside a cell (never at a line start) only these have a meaning.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`: the counts by severity and by policy,
/// then the findings worst first while they fit in `STEP_SUMMARY_BUDGET`, then how many
/// more there are and where to find them.
pub(super) fn step_summary(ctx: &Context<'_>) -> String {
    step_summary_within(ctx, STEP_SUMMARY_BUDGET)
}

fn step_summary_within(ctx: &Context<'_>, budget: usize) -> String {
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

    // By policy: worst severity first, then the most frequent, then by id.
    let mut by_policy: std::collections::BTreeMap<&str, (Severity, usize, usize)> =
        std::collections::BTreeMap::new();
    for f in findings {
        let e = by_policy.entry(&f.id).or_insert((f.severity, f.rule, 0));
        e.2 += 1;
    }
    let mut rows: Vec<(&str, Severity, usize, usize)> = by_policy
        .into_iter()
        .map(|(id, (sev, rule, n))| (id, sev, rule, n))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.3.cmp(&a.3)).then(a.0.cmp(b.0)));
    s.push_str("| severity | id | policy | findings |\n|---|---|---|---:|\n");
    for (id, sev, rule, n) in rows {
        s.push_str(&format!(
            "| {sev} | {} | {} | {n} |\n",
            cell(id),
            cell(ctx.rule(rule).name)
        ));
    }

    s.push_str("\n| severity | id | location | message |\n|---|---|---|---|\n");
    let ordered = worst_first(findings);
    let mut shown = 0;
    for f in &ordered {
        let row = format!(
            "| {} | {} | {}:{} | {} |\n",
            f.severity,
            cell(&f.id),
            cell(&f.path),
            f.span.start.line,
            cell(&f.message)
        );
        // Room for the closing line.
        if s.len() + row.len() + 200 > budget {
            break;
        }
        s.push_str(&row);
        shown += 1;
    }
    let more = ordered.len() - shown;
    if more > 0 {
        s.push_str(&format!(
            "\n{more} more finding{} (less severe or later in the file order) in the SARIF report and the job log.\n",
            if more == 1 { "" } else { "s" }
        ));
    }
    s
}
