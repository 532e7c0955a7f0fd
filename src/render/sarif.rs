//! SARIF 2.1.0 as GitHub code scanning ingests it (DESIGN §1).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Context;
use crate::model::{Finding, Level, Severity, Span};

pub const HOMEPAGE: &str = "https://github.com/akslint/akslint";

fn level(s: Severity) -> &'static str {
    match s.level() {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// Percent-encodes what may not appear in a relative URI reference.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.start.line.max(1),
        "startColumn": span.start.col.max(1),
        "endLine": span.end.line.max(span.start.line).max(1),
        "endColumn": span.end.col.max(1),
    })
}

/// SARIF plain text in which only the links akslint writes are links: a `](` from the
/// input (a link's middle) is escaped; brackets elsewhere (`containers[0]`) are not links
/// and stay as they are.
fn plain(s: &str) -> String {
    s.replace("](", "\\](")
}

/// The message, with each related location linked (`[text](id)`: GitHub shows related
/// locations only through such links) and places not in the repository named in words.
fn message_text(f: &Finding) -> String {
    let mut text = plain(&f.message);
    let linked: Vec<String> = f
        .related
        .iter()
        .filter(|r| r.in_repository)
        .enumerate()
        .map(|(i, r)| format!("[{}]({})", plain(&r.message), i + 1))
        .collect();
    if !linked.is_empty() {
        text.push_str(&format!(" (related: {})", linked.join(", ")));
    }
    for r in f.related.iter().filter(|r| !r.in_repository) {
        text.push_str(&format!(
            " ({} `{}`, not in the repository)",
            plain(&r.message),
            plain(&r.path)
        ));
    }
    text
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut v = json!({
        "ruleId": &*f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": message_text(f)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&f.path), "uriBaseId": "%SRCROOT%"},
                "region": region(&f.span),
            },
        }],
        "partialFingerprints": {"akslintFingerprint/v1": f.fingerprint},
    });
    if let Some(r) = &f.resource {
        let fq = match (&r.namespace, &r.name) {
            (Some(ns), Some(n)) => format!("{}/{ns}/{n}", r.kind),
            (None, Some(n)) => format!("{}/{n}", r.kind),
            _ => r.kind.to_string(),
        };
        v["locations"][0]["logicalLocations"] = json!([{
            "name": r.name.as_deref().unwrap_or(&r.kind),
            "fullyQualifiedName": fq,
            "kind": "resource",
        }]);
    }
    if let Some(s) = &f.suppression {
        v["suppressions"] = json!([{
            "kind": s.kind.as_str(),
            "status": "accepted",
            "justification": s.justification,
        }]);
    }
    if f.related.iter().any(|r| r.in_repository) {
        let related: Vec<Value> = f
            .related
            .iter()
            .filter(|r| r.in_repository)
            .enumerate()
            .map(|(i, r)| {
                let mut phys =
                    json!({"artifactLocation": {"uri": uri(&r.path), "uriBaseId": "%SRCROOT%"}});
                if let Some(s) = &r.span {
                    phys["region"] = region(s);
                }
                json!({"id": i + 1, "physicalLocation": phys, "message": {"text": r.message}})
            })
            .collect();
        v["relatedLocations"] = Value::Array(related);
    }
    v
}

pub fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut rule_index = vec![usize::MAX; ctx.rules.len()];
    let mut rules = Vec::new();
    for (i, p) in ctx.rules.iter().enumerate() {
        if !p.enabled {
            continue;
        }
        rule_index[i] = rules.len();
        let sev = p.severity;
        let docs = p.docs.markdown();
        let help_md = if docs.is_empty() { p.help } else { docs };
        rules.push(json!({
            "id": p.id,
            "name": p.name,
            "shortDescription": {"text": p.title},
            "fullDescription": {"text": p.help},
            "help": {"text": p.help, "markdown": help_md},
            "helpUri": format!("{HOMEPAGE}/blob/main/docs/rules.md#{}", p.id.to_ascii_lowercase()),
            "defaultConfiguration": {"level": level(sev)},
            "properties": {
                "tags": [p.area, "security"],
                "security-severity": security_severity(sev),
                "precision": "high",
            },
        }));
    }
    // Suppressed findings are part of the record, marked as such (code scanning shows them
    // as dismissed); with --show-suppressed they are already among `findings`.
    let mut all: Vec<&Finding> = ctx.result.findings.iter().collect();
    if !all.iter().any(|f| f.suppression.is_some()) {
        all.extend(&ctx.result.suppressed);
    }
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let results: Vec<Value> = all
        .into_iter()
        .map(|f| result(f, rule_index[f.rule]))
        .collect();
    let root = std::env::current_dir()
        .ok()
        .map(|d| {
            let mut s = d.to_string_lossy().replace('\\', "/");
            if !s.ends_with('/') {
                s.push('/');
            }
            format!("file://{}", uri(&s))
        })
        .unwrap_or_else(|| "file:///".into());
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "akslint",
                "version": ctx.version,
                "semanticVersion": ctx.version,
                "informationUri": HOMEPAGE,
                "rules": rules,
            }},
            "automationDetails": {"id": "akslint/"},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let notes = super::run_notes(ctx.result);
    if !notes.is_empty() {
        // What the results do not show, where code scanning keeps the run's messages.
        let notifications: Vec<Value> = notes
            .iter()
            .map(|(id, text)| {
                json!({"level": "note", "message": {"text": format!("{text}.")}, "descriptor": {"id": id}})
            })
            .collect();
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }]);
        doc["runs"][0]["properties"] = json!({
            "undecidedChecks": ctx.result.undecided_checks(),
            "undecidedResources": ctx.result.undecided.len(),
            "notDeployed": ctx.result.not_deployed.len(),
            "notLinted": ctx.result.not_linted.len(),
        });
    }
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
