//! The shared fixture harness (DESIGN §2) over every built-in policy, plus checks of the
//! policy files themselves.

use std::path::PathBuf;

use akslint::harness;
use akslint::policy::{PolicySet, load};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_policy_fixture_passes() {
    let set = PolicySet::load(&[]).expect("built-in policies load");
    let report = harness::run(&set, &[], &[root().join("testdata/policies")]);
    let mut failures = Vec::new();
    for c in &report.cases {
        for p in &c.problems {
            failures.push(format!("{} {}: {p}", c.policy, c.fixture));
        }
    }
    failures.extend(report.missing.iter().cloned());
    assert!(report.cases.len() >= 2, "no fixtures ran");
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn policy_files_are_documented_and_named_after_their_id() {
    let policies = load::builtin().expect("built-in policies load");
    for p in &policies {
        let stem = std::path::Path::new(&p.origin)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert_eq!(stem, p.id, "{}", p.origin);
        assert!(
            p.help.ends_with('.'),
            "{}: help must be a sentence ending in a period",
            p.id
        );
        for section in ["## What it does", "## Why it matters", "## How to fix"] {
            assert!(p.docs.contains(section), "{}: docs lack `{section}`", p.id);
        }
        let folder = std::path::Path::new(&p.origin)
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert_eq!(
            folder,
            p.area.as_str(),
            "{}: lives in the folder of another area",
            p.id
        );
    }
}

#[test]
fn built_in_policies_validate_against_the_published_schema() {
    let schema = akslint::policy::json_schema::policy_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut files = Vec::new();
    for entry in walk(&root().join("policies")) {
        files.push(entry);
    }
    assert!(files.len() >= 6);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let doc = akslint::source::yaml::load(
            &text,
            akslint::source::scalar::Schema::Core,
            Default::default(),
        );
        let json = doc.docs[0].to_json();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

#[test]
fn schema_rejects_what_the_loader_rejects() {
    let schema = akslint::policy::json_schema::policy_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let bad = serde_json::json!({
        "id": "X001", "name": "x", "area": "network", "severity": "high", "title": "t",
        "message": "m", "help": "h.", "checks": [{"on": "kubernetes Service", "forbid": {"path": "a", "equalz": 1}}]
    });
    assert!(!validator.is_valid(&bad));
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn docs_rules_md_is_current() {
    let set = PolicySet::load(&[]).expect("built-in policies load");
    let want = akslint::policy::catalog::markdown(&set);
    let path = root().join("docs/rules.md");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md`"
    );
}
