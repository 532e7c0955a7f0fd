//! The fixture harness (DESIGN §2): every policy's pass and fail fixtures, run through the real
//! engine. Backs both the test suite and `akslint policy test`.

use crate::confine::ScanRoot;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::discover::{Input, Origin, display_path};
use crate::engine::{self, Options};
use crate::model::FileKind;
use crate::model::Format;
use crate::policy::compile::PolicySet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Pass,
    Fail,
}

#[derive(Debug)]
pub struct CaseResult {
    pub policy: String,
    pub fixture: String,
    pub expect: Expect,
    /// Empty when the case passed; else what went wrong.
    pub problems: Vec<String>,
}

#[derive(Debug, Default)]
pub struct HarnessReport {
    pub cases: Vec<CaseResult>,
    /// Policies lacking a pass or fail fixture for a format their checks name.
    pub missing: Vec<String>,
}

impl HarnessReport {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.cases.iter().all(|c| c.problems.is_empty())
    }
}

static EXPECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:#|//)\s*expect:\s*([A-Z][A-Z0-9_-]*(?:\s*,\s*[A-Z][A-Z0-9_-]*)*)")
        .expect("valid regex")
});

/// Where `id`'s fixtures live: the first existing of `roots[i]/<id>`.
pub fn fixture_dir(roots: &[PathBuf], id: &str) -> Option<PathBuf> {
    roots.iter().map(|r| r.join(id)).find(|d| d.is_dir())
}

/// Runs the fixtures of the policies named in `ids` (all policies with checks when empty).
pub fn run(set: &PolicySet, ids: &[String], roots: &[PathBuf]) -> HarnessReport {
    let mut report = HarnessReport::default();
    for (pi, policy) in set.policies.iter().enumerate() {
        if policy.checks.is_empty() || (!ids.is_empty() && !ids.contains(&policy.id)) {
            continue;
        }
        let Some(dir) = fixture_dir(roots, &policy.id) else {
            report.missing.push(format!(
                "{}: no fixture directory (looked in {})",
                policy.id,
                roots_text(roots)
            ));
            continue;
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        let mut covered: BTreeSet<(Format, &'static str)> = BTreeSet::new();
        for entry in entries {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let expect = if name.starts_with("pass") {
                Expect::Pass
            } else if name.starts_with("fail") {
                Expect::Fail
            } else {
                continue;
            };
            if name.ends_with(".expect.txt") {
                continue;
            }
            let (case, formats) = run_case(set, pi, &entry, expect);
            for f in formats {
                covered.insert((
                    f,
                    if expect == Expect::Pass {
                        "pass"
                    } else {
                        "fail"
                    },
                ));
            }
            report.cases.push(case);
        }
        for f in policy.formats() {
            for kind in ["pass", "fail"] {
                if !covered.contains(&(f, kind)) {
                    report.missing.push(format!(
                        "{}: no {kind} fixture for format {} in {}",
                        policy.id,
                        f.as_str(),
                        display_path(&dir)
                    ));
                }
            }
        }
    }
    report
}

fn roots_text(roots: &[PathBuf]) -> String {
    roots
        .iter()
        .map(|r| display_path(r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn files_of(entry: &Path) -> Vec<PathBuf> {
    if entry.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(entry)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    } else {
        vec![entry.to_path_buf()]
    }
}

/// (file, line, id) expectations from `# expect:` comments and `expect.txt` files.
fn expectations(files: &[PathBuf], entry: &Path) -> Vec<(String, u32, String)> {
    let mut out = Vec::new();
    for f in files {
        let shown = display_path(f);
        if shown.ends_with("expect.txt") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(c) = EXPECT.captures(line) {
                for id in c[1].split(',') {
                    out.push((shown.clone(), i as u32 + 1, id.trim().to_string()));
                }
            }
        }
        // `name.json` + `name.expect.txt`: lines of `LINE ID` (JSON has no comments).
        if shown.ends_with(".json") {
            out.extend(expect_file(&f.with_extension("expect.txt"), &shown));
        }
    }
    if entry.is_dir() {
        // `dir/expect.txt`: lines of `FILE:LINE ID`, or `LINE ID` when the dir holds one input.
        let inputs: Vec<&PathBuf> = files
            .iter()
            .filter(|f| !display_path(f).ends_with("expect.txt"))
            .collect();
        let only = (inputs.len() == 1).then(|| display_path(inputs[0]));
        let Ok(text) = std::fs::read_to_string(entry.join("expect.txt")) else {
            return out;
        };
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let Some((loc, id)) = line.split_once(char::is_whitespace) else {
                continue;
            };
            let (file, line_no) = match loc.rsplit_once(':') {
                Some((file, n)) => (display_path(&entry.join(file)), n),
                None => (only.clone().unwrap_or_default(), loc),
            };
            if let Ok(n) = line_no.parse() {
                out.push((file, n, id.trim().to_string()));
            }
        }
    }
    out
}

fn expect_file(path: &Path, shown: &str) -> Vec<(String, u32, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let (n, id) = l.trim().split_once(char::is_whitespace)?;
            Some((shown.to_string(), n.parse().ok()?, id.trim().to_string()))
        })
        .collect()
}

fn run_case(set: &PolicySet, pi: usize, entry: &Path, expect: Expect) -> (CaseResult, Vec<Format>) {
    let policy = &set.policies[pi];
    let files = files_of(entry);
    let inputs: Vec<Input> = files
        .iter()
        .filter(|f| !display_path(f).ends_with("expect.txt"))
        .map(|f| Input {
            display: display_path(f).into(),
            origin: Origin::File(f.clone()),
            explicit: true,
            root: ScanRoot::at(entry),
        })
        .collect();
    let result = engine::run(&inputs, set, &Options::default());
    let formats: Vec<Format> = result
        .files
        .iter()
        .filter_map(|f| match f.kind {
            FileKind::Kubernetes | FileKind::Helm => Some(Format::Kubernetes),
            FileKind::Arm => Some(Format::Arm),
            FileKind::Terraform => Some(Format::Terraform),
            _ => None,
        })
        .collect();
    let mut problems = Vec::new();
    let stats = &result.stats[pi];
    match expect {
        Expect::Pass => {
            for f in result.findings.iter().filter(|f| *f.id == *policy.id) {
                problems.push(format!(
                    "unexpected finding at {}:{}:{}: {}",
                    f.path, f.span.start.line, f.span.start.col, f.message
                ));
            }
            if stats.passed == 0 {
                problems.push(format!(
                    "vacuous pass: {} was not evaluated to a passing verdict on any resource",
                    policy.id
                ));
            }
        }
        Expect::Fail => {
            let expected = expectations(&files, entry);
            let mut ids: BTreeSet<String> = expected.iter().map(|e| e.2.clone()).collect();
            ids.insert(policy.id.clone());
            if !expected.iter().any(|e| e.2 == policy.id) {
                problems.push(format!(
                    "fail fixture has no `# expect: {}` marker",
                    policy.id
                ));
            }
            let mut want: Vec<(String, u32, String)> = expected;
            want.sort();
            let mut got: Vec<(String, u32, String)> = result
                .findings
                .iter()
                .filter(|f| ids.contains(&*f.id))
                .map(|f| (f.path.to_string(), f.span.start.line, f.id.to_string()))
                .collect();
            got.sort();
            for w in &want {
                if !got.contains(w) {
                    problems.push(format!(
                        "expected {} at {}:{} but it was not reported",
                        w.2, w.0, w.1
                    ));
                }
            }
            for g in &got {
                if !want.contains(g) {
                    let msg = result
                        .findings
                        .iter()
                        .find(|f| {
                            f.path.as_ref() == g.0 && f.span.start.line == g.1 && *f.id == *g.2
                        })
                        .map(|f| f.message.as_str())
                        .unwrap_or("");
                    problems.push(format!("unexpected {} at {}:{}: {msg}", g.2, g.0, g.1));
                }
            }
            if want.len() == got.len() && problems.is_empty() {
                // Counts match per line too (two findings expected on one line stay two).
            } else if problems.is_empty() {
                problems.push(format!(
                    "expected {} findings, got {}",
                    want.len(),
                    got.len()
                ));
            }
        }
    }
    (
        CaseResult {
            policy: policy.id.clone(),
            fixture: display_path(entry),
            expect,
            problems,
        },
        formats,
    )
}
