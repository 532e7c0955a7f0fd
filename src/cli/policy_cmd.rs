use std::io::Write;
use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, Result};

use akslint::harness::{self, Expect};
use akslint::policy::{PolicySet, load};

/// `akslint policy test [DIR]...`: the fixture harness for users' (and our own) policies.
pub fn test(dirs: &[PathBuf], only: &[String]) -> Result<u8> {
    let dirs: Vec<PathBuf> = if dirs.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        dirs.to_vec()
    };
    let mut tested = Vec::new();
    let mut roots = Vec::new();
    for d in &dirs {
        tested.extend(load::from_dir(d).map_err(miette::Report::new)?);
        roots.push(d.join("testdata"));
        roots.push(
            d.parent()
                .unwrap_or(Path::new("."))
                .join("testdata")
                .join("policies"),
        );
    }
    if tested.is_empty() {
        return Err(miette::miette!(
            "no policy files (*.yaml) in {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(missing) = only.iter().find(|id| !tested.iter().any(|p| &p.id == *id)) {
        return Err(miette::miette!(
            "--only {missing}: no such policy among those tested"
        ));
    }
    let ids: Vec<String> = tested
        .iter()
        .map(|p| p.id.clone())
        .filter(|id| only.is_empty() || only.contains(id))
        .collect();
    // The policies under test replace built-ins of the same id (they are the source being tested).
    let mut all: Vec<_> = load::builtin()
        .map_err(miette::Report::new)?
        .into_iter()
        .filter(|b| !tested.iter().any(|t| t.id == b.id))
        .collect();
    all.extend(tested);
    let set = PolicySet::new(all).map_err(miette::Report::new)?;
    let report = harness::run(&set, &ids, &roots);
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for c in &report.cases {
        let kind = if c.expect == Expect::Pass {
            "pass"
        } else {
            "fail"
        };
        if c.problems.is_empty() {
            passed += 1;
            writeln!(out, "ok    {:<8} {kind}  {}", c.policy, c.fixture).into_diagnostic()?;
        } else {
            failed += 1;
            writeln!(out, "FAIL  {:<8} {kind}  {}", c.policy, c.fixture).into_diagnostic()?;
            for p in &c.problems {
                writeln!(out, "        {p}").into_diagnostic()?;
            }
        }
    }
    for m in &report.missing {
        failed += 1;
        writeln!(out, "MISSING  {m}").into_diagnostic()?;
    }
    writeln!(out, "{passed} passed, {failed} failed").into_diagnostic()?;
    Ok(if report.ok() { 0 } else { 1 })
}

pub fn schema() -> Result<u8> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &akslint::policy::json_schema::policy_schema())
        .into_diagnostic()?;
    writeln!(out).into_diagnostic()?;
    Ok(0)
}
