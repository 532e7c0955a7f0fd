//! `--format json`: one document, schema in docs/output-formats.md.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Context;
use crate::model::Span;

fn pos(span: &Span) -> (Value, Value) {
    (
        json!({"line": span.start.line, "column": span.start.col}),
        json!({"line": span.end.line, "column": span.end.col}),
    )
}

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<Value> = ctx
        .result
        .findings
        .iter()
        .map(|f| {
            let (start, end) = pos(&f.span);
            let related: Vec<Value> = f
                .related
                .iter()
                .map(|r| {
                    let mut v = json!({"path": &*r.path, "message": r.message});
                    if let Some(s) = &r.span {
                        let (start, end) = pos(s);
                        v["start"] = start;
                        v["end"] = end;
                    }
                    v
                })
                .collect();
            json!({
                "id": &*f.id,
                "name": ctx.policy(f.rule).name,
                "severity": f.severity.as_str(),
                "message": f.message,
                "path": &*f.path,
                "start": start,
                "end": end,
                "resource": f.resource.as_ref().map(|r| json!({
                    "kind": &*r.kind,
                    "name": r.name.as_deref(),
                    "namespace": r.namespace.as_deref(),
                })),
                "node_path": f.node_path,
                "fingerprint": f.fingerprint,
                "related": related,
            })
        })
        .collect();
    let resources: usize = ctx.result.files.iter().map(|f| f.resources).sum();
    let unknown: u64 = ctx.result.stats.iter().map(|s| s.unknown).sum();
    let mut by_severity = serde_json::Map::new();
    for s in crate::policy::Severity::ALL {
        let n = ctx
            .result
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .count();
        by_severity.insert(s.as_str().into(), n.into());
    }
    let doc = json!({
        "tool": {"name": "akslint", "version": ctx.version},
        "findings": findings,
        "summary": {
            "findings": ctx.result.findings.len(),
            "by_severity": by_severity,
            "files": ctx.result.files.len(),
            "resources": resources,
            "unknown_verdicts": unknown,
        },
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
