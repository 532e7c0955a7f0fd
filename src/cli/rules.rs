use std::io::Write;
use std::path::PathBuf;

use miette::{IntoDiagnostic, Result};
use serde_json::json;

use super::{RulesFormat, load_policies};
use akslint::policy::catalog::formats;

pub fn list(format: RulesFormat, extra: &[PathBuf]) -> Result<u8> {
    let set = load_policies(extra)?;
    let mut out = std::io::stdout().lock();
    match format {
        RulesFormat::Table => {
            writeln!(
                out,
                "{:<8}  {:<9}  {:<11}  {:<10}  {:<40}  title",
                "id", "severity", "area", "formats", "name"
            )
            .into_diagnostic()?;
            for p in &set.policies {
                writeln!(
                    out,
                    "{:<8}  {:<9}  {:<11}  {:<10}  {:<40}  {}",
                    p.id,
                    p.severity.as_str(),
                    p.area.as_str(),
                    formats(p),
                    p.name,
                    p.title
                )
                .into_diagnostic()?;
            }
        }
        RulesFormat::Json => {
            let v: Vec<_> = set
                .policies
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id, "name": p.name, "area": p.area.as_str(),
                        "severity": p.severity.as_str(), "title": p.title,
                        "formats": p.formats().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                        "help": p.help, "references": p.references, "builtin": p.builtin,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &v).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
        RulesFormat::Markdown => out
            .write_all(akslint::policy::catalog::markdown(&set).as_bytes())
            .into_diagnostic()?,
    }
    Ok(0)
}

pub fn explain(id: &str, extra: &[PathBuf]) -> Result<u8> {
    let set = load_policies(extra)?;
    let Some(p) = set.get(&id.to_ascii_uppercase()) else {
        return Err(miette::miette!(
            help = "`akslint rules` lists the policies",
            "unknown policy id `{id}`"
        ));
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} {}\n", p.id, p.name).into_diagnostic()?;
    writeln!(
        out,
        "severity: {} · area: {} · formats: {} · {}\n",
        p.severity.as_str(),
        p.area.as_str(),
        formats(p),
        if p.builtin {
            "built-in"
        } else {
            p.origin.as_str()
        }
    )
    .into_diagnostic()?;
    writeln!(out, "{}\n", p.title).into_diagnostic()?;
    if p.docs.is_empty() {
        writeln!(out, "{}", p.help).into_diagnostic()?;
    } else {
        write!(out, "{}", p.docs).into_diagnostic()?;
        if !p.docs.ends_with('\n') {
            writeln!(out).into_diagnostic()?;
        }
    }
    if !p.references.is_empty() {
        writeln!(out, "\nReferences:").into_diagnostic()?;
        for r in &p.references {
            writeln!(out, "- {r}").into_diagnostic()?;
        }
    }
    Ok(0)
}
