//! Renderers: pure functions of the sorted findings, the rule table and the run summary.

mod concise;
mod github;
mod human;
mod json;
mod sarif;

/// A path as a SARIF relative URI reference (percent-encoded).
pub use sarif::uri as sarif_uri;

use crate::model::text::printable;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::model::{Finding, Report, RuleInfo, Severity};

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

/// How to render, beside what: nothing here comes from the linter.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions<'a> {
    /// ANSI colours (human format on a terminal).
    pub color: bool,
    /// The tool version outputs name.
    pub version: &'a str,
    /// `--quiet`: findings only, no summary lines.
    pub quiet: bool,
}

/// What every renderer sees: the report, the rule table (indexed like `Finding::rule`) and
/// the options.
struct Context<'a> {
    result: &'a Report,
    rules: &'a [RuleInfo<'a>],
    color: bool,
    version: &'a str,
    quiet: bool,
}

impl<'a> Context<'a> {
    fn new(report: &'a Report, rules: &'a [RuleInfo<'a>], opts: &RenderOptions<'a>) -> Self {
        Context {
            result: report,
            rules,
            color: opts.color,
            version: opts.version,
            quiet: opts.quiet,
        }
    }

    fn rule(&self, rule: usize) -> &RuleInfo<'a> {
        &self.rules[rule]
    }
}

/// Renders `report` in `format`: a pure function of the report, the rule table and the options.
pub fn render(
    format: OutputFormat,
    report: &Report,
    rules: &[RuleInfo<'_>],
    opts: &RenderOptions<'_>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let ctx = &Context::new(report, rules, opts);
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
pub fn run_notes(result: &Report) -> Vec<(&'static str, String)> {
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
    // Bicep modules not linted are named, each once (several evaluations may meet one).
    let (modules, resources): (Vec<_>, Vec<_>) = result
        .not_linted
        .iter()
        .partition(|d| d.resource.starts_with("module "));
    if !resources.is_empty() {
        let n = resources.len();
        // Each reason once, with how many it is (Terraform modules not installed, ...).
        let mut whys: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &resources {
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
    if !modules.is_empty() {
        let names: std::collections::BTreeSet<String> = modules
            .iter()
            .map(|d| printable(d.resource.trim_start_matches("module ")).into_owned())
            .collect();
        notes.push((
            "modules-not-linted",
            format!(
                "{} not linted (registry and template-spec modules are not available offline; \
                 files outside the scanned root are not read): {}",
                plural(names.len(), "Bicep module", "Bicep modules"),
                names.into_iter().collect::<Vec<_>>().join(", "),
            ),
        ));
    }
    notes
}

/// "3 findings (1 critical, 2 high)".
pub fn count_phrase(findings: &[Finding]) -> String {
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

/// The GitHub job summary (Markdown for `$GITHUB_STEP_SUMMARY`), within GitHub's size limit.
pub fn step_summary(report: &Report, rules: &[RuleInfo<'_>]) -> String {
    github::step_summary(&Context::new(report, rules, &RenderOptions::plain()))
}

impl RenderOptions<'_> {
    /// No colour, no version, everything shown.
    pub const fn plain() -> Self {
        RenderOptions {
            color: false,
            version: "",
            quiet: false,
        }
    }
}

/// Per-rule statistics table (`--statistics`).
pub fn statistics(report: &Report, rules: &[RuleInfo<'_>], w: &mut dyn Write) -> io::Result<()> {
    let ctx = &Context::new(report, rules, &RenderOptions::plain());
    writeln!(
        w,
        "{:>6}  {:>7}  {:<8}  {:<9}  name",
        "count", "unknown", "id", "severity"
    )?;
    for (i, p) in ctx.rules.iter().enumerate() {
        let count = ctx.result.findings.iter().filter(|f| f.rule == i).count();
        let unknown = ctx.result.stats.get(i).map_or(0, |s| s.unknown);
        if count == 0 && unknown == 0 {
            continue;
        }
        writeln!(
            w,
            "{count:>6}  {unknown:>7}  {:<8}  {:<9}  {}",
            p.id,
            p.severity.as_str(),
            p.name
        )?;
    }
    if !ctx.result.undecided.is_empty() {
        writeln!(
            w,
            "\nUndecided until deployment (policies whose checks on the resource could not be decided):"
        )?;
        for u in &ctx.result.undecided {
            let ids: Vec<&str> = u.policies.iter().map(|&i| ctx.rules[i].id).collect();
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
