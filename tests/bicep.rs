//! Bicep source through the real engine: the differential test against compiled JSON (the
//! corpus when present, and the fixtures), and end-to-end behaviour of `.bicep` inputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use akslint::confine::ScanRoot;
use akslint::discover::{Input, Origin, display_path};
use akslint::engine::{self, Options};
use akslint::policy::PolicySet;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn input(p: &Path, root: &Path) -> Input {
    Input {
        display: display_path(p).into(),
        origin: Origin::File(p.to_path_buf()),
        explicit: true,
        root: ScanRoot::at(root),
    }
}

/// (policy id, resource type, resource name) of every policy finding of one file alone.
fn findings_of(set: &PolicySet, file: &Path) -> BTreeSet<(String, String, String)> {
    let dir = file.parent().unwrap();
    let result = engine::run(&[input(file, dir)], set, &Options::default());
    result
        .findings
        .iter()
        .filter(|f| !f.id.starts_with("AKL"))
        .filter_map(|f| {
            let r = f.resource.as_ref()?;
            Some((
                f.id.to_string(),
                r.kind.to_ascii_lowercase(),
                r.name.as_deref().unwrap_or("").to_ascii_lowercase(),
            ))
        })
        .collect()
}

/// (type, name) of every resource of one file alone, as the policies see them.
fn resources_of(file: &Path) -> BTreeSet<(String, String)> {
    let dir = file.parent().unwrap();
    let set = PolicySet::new(Vec::new()).unwrap();
    let opts = Options {
        collect: true,
        ..Default::default()
    };
    engine::run(&[input(file, dir)], &set, &opts)
        .resources
        .iter()
        .filter(|r| r.kind() != "template")
        .map(|r| {
            // A name known only at deployment: the compiled template shows its expression,
            // the source its symbol; compare the type only.
            let computed = r
                .arm
                .as_ref()
                .is_some_and(|a| a.refs.iter().any(|k| k.contains('{')));
            let name = if computed {
                "*".to_string()
            } else {
                r.name().unwrap_or("").to_ascii_lowercase()
            };
            (r.kind().to_ascii_lowercase(), name)
        })
        .collect()
}

/// Every `<stem>.bicep` under `dir` with its compiled `<stem>.json` beside it.
fn pairs(dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            pairs(&p, out);
        } else if p.extension().is_some_and(|e| e == "bicep") {
            let json = p.with_extension("json");
            if json.is_file()
                && std::fs::read_to_string(&json).is_ok_and(|t| t.contains("\"_generator\""))
            {
                out.push((p, json));
            }
        }
    }
}

/// Agreement between the `.bicep` and compiled-JSON findings: (agreeing, total, disagreements).
fn differential(set: &PolicySet, pairs: &[(PathBuf, PathBuf)]) -> (usize, usize, Vec<String>) {
    let (mut agree, mut total, mut diffs) = (0, 0, Vec::new());
    for (bicep, json) in pairs {
        let b = findings_of(set, bicep);
        let j = findings_of(set, json);
        total += b.union(&j).count();
        agree += b.intersection(&j).count();
        for d in b.difference(&j) {
            diffs.push(format!("{}: only from Bicep: {d:?}", display_path(bicep)));
        }
        for d in j.difference(&b) {
            diffs.push(format!("{}: only from JSON: {d:?}", display_path(json)));
        }
    }
    (agree, total, diffs)
}

/// Whether a `.bicep` deploys registry or template-spec modules (not linted from source; the
/// compiled JSON inlines them).
fn uses_remote_modules(bicep: &Path) -> bool {
    std::fs::read_to_string(bicep).is_ok_and(|t| {
        t.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("module ")
                && (l.contains(" 'br:")
                    || l.contains(" 'br/")
                    || l.contains(" 'ts:")
                    || l.contains(" 'ts/"))
        })
    })
}

#[test]
fn bicep_and_its_compiled_json_agree_on_the_corpus() {
    let corpus = root().join("../shared/corpus/arm/bicep-registry-modules");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is not here", corpus.display());
        return;
    }
    let set = PolicySet::load(&[]).expect("built-in policies load");
    let mut found = Vec::new();
    pairs(&corpus, &mut found);
    assert!(
        !found.is_empty(),
        "no main.bicep beside a compiled main.json in the corpus"
    );
    let (local, remote): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|(b, _)| !uses_remote_modules(b));
    let (agree, total, diffs) = differential(&set, &local);
    let ratio = if total == 0 {
        1.0
    } else {
        agree as f64 / total as f64
    };
    eprintln!(
        "differential over {} pairs without registry modules: {agree}/{total} findings agree ({:.1}%)",
        local.len(),
        ratio * 100.0
    );
    for d in &diffs {
        eprintln!("  {d}");
    }
    let (ragree, rtotal, rdiffs) = differential(&set, &remote);
    eprintln!(
        "over {} pairs deploying registry modules (not linted from source by design): {ragree}/{rtotal} agree",
        remote.len()
    );
    for d in &rdiffs {
        eprintln!("  {d}");
    }
    let mut same = 0;
    for (b, j) in &local {
        let (rb, rj) = (resources_of(b), resources_of(j));
        if rb == rj {
            same += 1;
        } else {
            eprintln!(
                "  {}: resources only from Bicep {:?}, only from JSON {:?}",
                display_path(b),
                rb.difference(&rj).collect::<Vec<_>>(),
                rj.difference(&rb).collect::<Vec<_>>()
            );
        }
    }
    eprintln!(
        "same resources (type and name) in {same} of {} pairs",
        local.len()
    );
    assert_eq!(same, local.len(), "resources differ (listed above)");
    assert!(local.len() >= 10, "too few pairs: {}", local.len());
    assert!(total > 0, "no finding at all: the comparison is vacuous");
    assert!(
        ratio >= 0.95,
        "agreement {ratio:.3} below 0.95:\n{}",
        diffs.join("\n")
    );
}
