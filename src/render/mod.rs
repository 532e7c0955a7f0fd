//! Renderers: pure functions of the sorted findings, the rule table and the run summary.

mod concise;
mod github;
mod human;
mod json;
mod sarif;
pub mod text;

use text::printable;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::engine::RunResult;
use crate::policy::{Policy, PolicySet, Severity};

pub use github::step_summary;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Code frames with the offending line (miette style).
    Human,
    /// One line per finding: `path:line:col: SEVERITY ID message`.
    Concise,
    /// A JSON document (see docs/output-formats.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Everything a renderer may look at.
pub struct Context<'a> {
    pub result: &'a RunResult,
    pub set: &'a PolicySet,
    pub color: bool,
    pub version: &'a str,
    /// `--quiet`: findings only, no summary lines.
    pub quiet: bool,
}

impl Context<'_> {
    pub fn policy(&self, rule: usize) -> &Policy {
        &self.set.policies[rule]
    }
}

pub fn render(format: OutputFormat, ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::render(ctx, w),
        OutputFormat::Concise => concise::render(ctx, w),
        OutputFormat::Json => json::render(ctx, w),
        OutputFormat::Sarif => sarif::render(ctx, w),
        OutputFormat::Github => github::render(ctx, w),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the findings do not show: checks undecided until deployment, and ARM resources that
/// the parameters evaluated do not deploy. One sentence each (with an id for SARIF), only
/// when there are any.
pub fn run_notes(result: &RunResult) -> Vec<(&'static str, String)> {
    let mut notes = Vec::new();
    let checks = result.undecided_checks() as usize;
    if checks > 0 {
        notes.push((
            "undecided",
            format!(
                "{} undecided on {} (values known only at deployment; --statistics lists them)",
                plural(checks, "check", "checks"),
                plural(result.undecided.len(), "resource", "resources"),
            ),
        ));
    }
    if !result.not_deployed.is_empty() {
        let n = result.not_deployed.len();
        notes.push((
            "not-deployed",
            format!(
                "{} not deployed with these parameters (condition false; --statistics lists {}; \
             --arm-parameters lints another set)",
                plural(n, "resource", "resources"),
                if n == 1 { "it" } else { "them" },
            ),
        ));
    }
    if !result.not_linted.is_empty() {
        let n = result.not_linted.len();
        // Each reason once, with how many it is (Terraform modules not installed, ...).
        let mut whys: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &result.not_linted {
            *whys.entry(d.why).or_default() += 1;
        }
        fn why(w: &str) -> &str {
            match w {
                "its target (resource_id) is not in the plan" => {
                    "an update of a resource not in the input"
                }
                w => w,
            }
        }
        let reasons = if whys.len() == 1 {
            whys.keys().map(|w| why(w).to_string()).collect::<Vec<_>>()
        } else {
            whys.iter()
                .map(|(w, k)| format!("{k}: {}", why(w)))
                .collect()
        };
        notes.push((
            "not-linted",
            format!(
                "{} not linted ({}; --statistics lists {})",
                plural(n, "resource", "resources"),
                reasons.join("; "),
                if n == 1 { "it" } else { "them" },
            ),
        ));
    }
    notes
}

/// "3 findings (1 critical, 2 high)".
pub fn count_phrase(findings: &[crate::finding::Finding]) -> String {
    let n = findings.len();
    let mut by = Vec::new();
    for s in Severity::ALL {
        let c = findings.iter().filter(|f| f.severity == s).count();
        if c > 0 {
            by.push(format!("{c} {s}"));
        }
    }
    let noun = if n == 1 { "finding" } else { "findings" };
    if by.is_empty() {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun} ({})", by.join(", "))
    }
}

/// Per-rule statistics table (`--statistics`).
pub fn statistics(ctx: &Context<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "{:>6}  {:>7}  {:<8}  {:<9}  name",
        "count", "unknown", "id", "severity"
    )?;
    for (i, p) in ctx.set.policies.iter().enumerate() {
        let count = ctx.result.findings.iter().filter(|f| f.rule == i).count();
        let unknown = ctx.result.stats.get(i).map_or(0, |s| s.unknown);
        if count == 0 && unknown == 0 {
            continue;
        }
        writeln!(
            w,
            "{count:>6}  {unknown:>7}  {:<8}  {:<9}  {}",
            p.id,
            ctx.set.severity[i].as_str(),
            p.name
        )?;
    }
    if !ctx.result.undecided.is_empty() {
        writeln!(
            w,
            "\nUndecided until deployment (policies whose checks on the resource could not be decided):"
        )?;
        for u in &ctx.result.undecided {
            let ids: Vec<&str> = u
                .policies
                .iter()
                .map(|&i| &*ctx.set.policies[i].id)
                .collect();
            writeln!(
                w,
                "  {}:{}:{}: {}: {}",
                printable(&u.path),
                u.at.line,
                u.at.col,
                printable(&u.resource),
                ids.join(", ")
            )?;
        }
    }
    if !ctx.result.not_deployed.is_empty() {
        writeln!(w, "\nNot deployed with these parameters (condition false):")?;
        for d in &ctx.result.not_deployed {
            let with = d.parameters.as_ref().map_or_else(
                || " (template defaults)".to_string(),
                |p| format!(" (with {})", printable(p)),
            );
            writeln!(
                w,
                "  {}:{}:{}: {}{with}",
                printable(&d.path),
                d.at.line,
                d.at.col,
                printable(&d.resource)
            )?;
        }
    }
    if !ctx.result.not_linted.is_empty() {
        writeln!(w, "\nNot linted:")?;
        for d in &ctx.result.not_linted {
            writeln!(
                w,
                "  {}:{}:{}: {}: {}",
                printable(&d.path),
                d.at.line,
                d.at.col,
                printable(&d.resource),
                d.why
            )?;
        }
    }
    if !ctx.result.unknown_functions.is_empty() {
        let names: Vec<std::borrow::Cow<'_, str>> = ctx
            .result
            .unknown_functions
            .iter()
            .map(|n| printable(n))
            .collect();
        writeln!(
            w,
            "ARM functions not evaluated (their values were unknown): {}",
            names.join(", ")
        )?;
    }
    Ok(())
}
