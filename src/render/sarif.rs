//! SARIF 2.1.0 as GitHub code scanning ingests it (DESIGN §1), written from typed structs
//! (field names as the OASIS schema spells them, declared in alphabetical order: the order the
//! log has always had; `None` fields are left out).

use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::model::{Finding, Level, ResourceId, Severity, Span};

pub const HOMEPAGE: &str = "https://github.com/akslint/akslint";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    automation_details: AutomationDetails,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    invocations: Option<[Invocation; 1]>,
    original_uri_base_ids: OriginalUriBaseIds,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProperties>,
    results: Vec<SarifResult<'a>>,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule<'a>>,
    semantic_version: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    default_configuration: DefaultConfiguration,
    full_description: Text<'a>,
    help: Help<'a>,
    help_uri: String,
    id: &'a str,
    name: &'a str,
    properties: RuleProperties,
    short_description: Text<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    markdown: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: [&'static str; 2],
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
struct OriginalUriBaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: Uri,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location<'a>; 1],
    message: OwnedText,
    partial_fingerprints: PartialFingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    rule_id: &'a str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SarifSuppression<'a>; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation<'a>; 1]>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: String,
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct PartialFingerprints<'a> {
    #[serde(rename = "akslintFingerprint/v1")]
    akslint_v1: &'a str,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    justification: &'a str,
    kind: &'static str,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    message: Text<'a>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    descriptor: Descriptor,
    level: &'static str,
    message: OwnedText,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    not_deployed: usize,
    not_linted: usize,
    undecided_checks: u64,
    undecided_resources: usize,
}

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

fn region(span: &Span) -> Region {
    Region {
        start_line: span.start.line.max(1),
        start_column: span.start.col.max(1),
        end_line: span.end.line.max(span.start.line).max(1),
        end_column: span.end.col.max(1),
    }
}

fn artifact(path: &str) -> ArtifactLocation {
    ArtifactLocation {
        uri: uri(path),
        uri_base_id: "%SRCROOT%",
    }
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

fn logical(r: &ResourceId) -> LogicalLocation<'_> {
    let fully_qualified_name = match (&r.namespace, &r.name) {
        (Some(ns), Some(n)) => format!("{}/{ns}/{n}", r.kind),
        (None, Some(n)) => format!("{}/{n}", r.kind),
        _ => r.kind.to_string(),
    };
    LogicalLocation {
        name: r.name.as_deref().unwrap_or(&r.kind),
        fully_qualified_name,
        kind: "resource",
    }
}

fn result(f: &Finding, rule_index: usize) -> SarifResult<'_> {
    SarifResult {
        rule_id: &f.id,
        rule_index,
        level: level(f.severity),
        message: OwnedText {
            text: message_text(f),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&f.path),
                region: Some(region(&f.span)),
            },
            logical_locations: f.resource.as_ref().map(|r| [logical(r)]),
        }],
        partial_fingerprints: PartialFingerprints {
            akslint_v1: &f.fingerprint,
        },
        suppressions: f.suppression.as_ref().map(|s| {
            [SarifSuppression {
                kind: s.kind.as_str(),
                status: "accepted",
                justification: &s.justification,
            }]
        }),
        related_locations: f
            .related
            .iter()
            .filter(|r| r.in_repository)
            .enumerate()
            .map(|(i, r)| RelatedLocation {
                id: i + 1,
                physical_location: PhysicalLocation {
                    artifact_location: artifact(&r.path),
                    region: r.span.as_ref().map(region),
                },
                message: Text { text: &r.message },
            })
            .collect(),
    }
}

/// `file:///…/` of the working directory: what `%SRCROOT%` stands for.
fn src_root() -> String {
    std::env::current_dir()
        .ok()
        .map(|d| {
            let mut s = d.to_string_lossy().replace('\\', "/");
            if !s.ends_with('/') {
                s.push('/');
            }
            format!("file://{}", uri(&s))
        })
        .unwrap_or_else(|| "file:///".into())
}

pub(super) fn render(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut rule_index = vec![usize::MAX; ctx.rules.len()];
    let mut rules = Vec::new();
    for (i, p) in ctx.rules.iter().enumerate() {
        if !p.enabled {
            continue;
        }
        rule_index[i] = rules.len();
        let docs = p.docs.markdown();
        rules.push(Rule {
            id: p.id,
            name: p.name,
            short_description: Text { text: p.title },
            full_description: Text { text: p.help },
            help: Help {
                text: p.help,
                markdown: if docs.is_empty() { p.help } else { docs },
            },
            help_uri: format!(
                "{HOMEPAGE}/blob/main/docs/rules.md#{}",
                p.id.to_ascii_lowercase()
            ),
            default_configuration: DefaultConfiguration {
                level: level(p.severity),
            },
            properties: RuleProperties {
                tags: [p.area, "security"],
                security_severity: security_severity(p.severity),
                precision: "high",
            },
        });
    }
    // Suppressed findings are part of the record, marked as such (code scanning shows them
    // as dismissed); with --show-suppressed they are already among `findings`.
    let mut all: Vec<&Finding> = ctx.result.findings.iter().collect();
    if !all.iter().any(|f| f.suppression.is_some()) {
        all.extend(&ctx.result.suppressed);
    }
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let results = all
        .into_iter()
        .map(|f| result(f, rule_index[f.rule]))
        .collect();
    let notes = super::run_notes(ctx.result);
    // What the results do not show, where code scanning keeps the run's messages.
    let (invocations, properties) = if notes.is_empty() {
        (None, None)
    } else {
        let notifications = notes
            .into_iter()
            .map(|(id, text)| Notification {
                level: "note",
                message: OwnedText {
                    text: format!("{text}."),
                },
                descriptor: Descriptor { id },
            })
            .collect();
        (
            Some([Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }]),
            Some(RunProperties {
                undecided_checks: ctx.result.undecided_checks(),
                undecided_resources: ctx.result.undecided.len(),
                not_deployed: ctx.result.not_deployed.len(),
                not_linted: ctx.result.not_linted.len(),
            }),
        )
    };
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "akslint",
                    version: ctx.version,
                    semantic_version: ctx.version,
                    information_uri: HOMEPAGE,
                    rules,
                },
            },
            automation_details: AutomationDetails { id: "akslint/" },
            original_uri_base_ids: OriginalUriBaseIds {
                src_root: Uri { uri: src_root() },
            },
            column_kind: "unicodeCodePoints",
            results,
            invocations,
            properties,
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}
