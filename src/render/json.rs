//! `--format json`: one document, schema in docs/output-formats.md.
//!
//! Serialised from borrowed structs rather than a `serde_json::Value` tree: building a map per
//! finding cost more than checking the file it came from. Fields are declared in alphabetical
//! order, the order the document has always had.

use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::model::{Finding, RelatedLocation};
use crate::model::{Pos, Span};

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<FindingOut<'a>>,
    summary: Summary,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary {
    by_severity: BySeverity,
    files: usize,
    findings: usize,
    /// ARM resources not deployed with the parameters evaluated (`condition` false).
    not_deployed: usize,
    /// Resources of the inputs akslint cannot lint (`--statistics` says why).
    not_linted: usize,
    resources: usize,
    undecided: Undecided,
    unknown_verdicts: u64,
}

/// Checks undecided because values are known only at deployment.
#[derive(Serialize)]
struct Undecided {
    checks: u64,
    resources: usize,
}

#[derive(Serialize, Default)]
struct BySeverity {
    critical: usize,
    high: usize,
    low: usize,
    medium: usize,
}

#[derive(Serialize)]
struct LineColumn {
    column: u32,
    line: u32,
}

impl From<Pos> for LineColumn {
    fn from(p: Pos) -> Self {
        LineColumn {
            column: p.col,
            line: p.line,
        }
    }
}

#[derive(Serialize)]
struct FindingOut<'a> {
    end: LineColumn,
    fingerprint: &'a str,
    id: &'a str,
    message: &'a str,
    name: &'a str,
    node_path: &'a str,
    path: &'a str,
    related: Vec<RelatedOut<'a>>,
    resource: Option<ResourceOut<'a>>,
    severity: &'static str,
    start: LineColumn,
}

#[derive(Serialize)]
struct ResourceOut<'a> {
    kind: &'a str,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
}

#[derive(Serialize)]
struct RelatedOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<LineColumn>,
    message: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<LineColumn>,
}

fn related(r: &RelatedLocation) -> RelatedOut<'_> {
    RelatedOut {
        end: r.span.map(|s: Span| s.end.into()),
        message: &r.message,
        path: &r.path,
        start: r.span.map(|s: Span| s.start.into()),
    }
}

fn finding<'a>(ctx: &'a Context<'_>, f: &'a Finding) -> FindingOut<'a> {
    FindingOut {
        end: f.span.end.into(),
        fingerprint: &f.fingerprint,
        id: &f.id,
        message: &f.message,
        name: ctx.rule(f.rule).name,
        node_path: &f.node_path,
        path: &f.path,
        related: f.related.iter().map(related).collect(),
        resource: f.resource.as_ref().map(|r| ResourceOut {
            kind: &r.kind,
            name: r.name.as_deref(),
            namespace: r.namespace.as_deref(),
        }),
        severity: f.severity.as_str(),
        start: f.span.start.into(),
    }
}

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut by_severity = BySeverity::default();
    for f in &ctx.result.findings {
        use crate::model::Severity::*;
        *match f.severity {
            Critical => &mut by_severity.critical,
            High => &mut by_severity.high,
            Medium => &mut by_severity.medium,
            Low => &mut by_severity.low,
        } += 1;
    }
    let doc = Document {
        findings: ctx
            .result
            .findings
            .iter()
            .map(|f| finding(ctx, f))
            .collect(),
        summary: Summary {
            by_severity,
            files: ctx.result.files.len(),
            findings: ctx.result.findings.len(),
            not_deployed: ctx.result.not_deployed.len(),
            not_linted: ctx.result.not_linted.len(),
            resources: ctx.result.files.iter().map(|f| f.resources).sum(),
            undecided: Undecided {
                checks: ctx.result.undecided_checks(),
                resources: ctx.result.undecided.len(),
            },
            unknown_verdicts: ctx.result.stats.iter().map(|s| s.unknown).sum(),
        },
        tool: Tool {
            name: "akslint",
            version: ctx.version,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
