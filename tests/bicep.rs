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
    engine::load(&[input(file, dir)], &Options::default())
        .0
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

#[test]
fn every_arm_policy_has_bicep_pass_and_fail_fixtures() {
    let set = PolicySet::load(&[]).expect("built-in policies load");
    let mut missing = Vec::new();
    for p in &set.policies {
        if !p.formats().contains(&akslint::model::Format::Arm) {
            continue;
        }
        let dir = root().join("testdata/policies").join(&p.id);
        for kind in ["pass", "fail"] {
            let file = dir.join(format!("{kind}-bicep.bicep"));
            let folder = dir.join(format!("{kind}-bicep"));
            if !file.is_file() && !folder.is_dir() {
                missing.push(format!("{}: no {kind}-bicep fixture", p.id));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Writes `files` into a fresh directory and runs the engine over it (a directory walk).
fn run_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, akslint::model::Report) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let set = PolicySet::load(&[]).expect("built-in policies load");
    let inputs = akslint::discover::discover(
        &[dir.path().to_string_lossy().into_owned()],
        &Default::default(),
        || Ok(None),
    )
    .unwrap();
    let result = engine::run(&inputs, &set, &Options::default());
    (dir, result)
}

/// (file name, line, id) of the findings.
fn located(result: &akslint::model::Report) -> Vec<(String, u32, String)> {
    result
        .findings
        .iter()
        .map(|f| {
            let name = Path::new(&*f.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, f.span.start.line, f.id.to_string())
        })
        .collect()
}

const KV: &str = "param purge bool = true\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv1'\n  properties: {\n    enableRbacAuthorization: true\n    enablePurgeProtection: purge\n    publicNetworkAccess: 'Disabled'\n  }\n}\n";

#[test]
fn bicepparam_files_are_separate_evaluations_and_findings_point_at_their_values() {
    let (_d, result) = run_dir(&[
        ("main.bicep", KV),
        (
            "prod.bicepparam",
            "using './main.bicep'\n\nparam purge = true\n",
        ),
        (
            "dev.bicepparam",
            "using 'main.bicep'\n// dev may purge\nparam purge = false\n",
        ),
    ]);
    let got = located(&result);
    assert!(
        got.contains(&("dev.bicepparam".into(), 3, "SEC008".into())),
        "{got:?}"
    );
    // Neither the defaults nor prod purge: one finding only.
    assert_eq!(got.iter().filter(|g| g.2 == "SEC008").count(), 1, "{got:?}");
    let f = result
        .findings
        .iter()
        .find(|f| f.id.as_ref() == "SEC008")
        .unwrap();
    assert_eq!(f.span.start.col, 15);
    // Without a parameters file, the defaults: the template's own default decides.
    let (_d, result) = run_dir(&[("main.bicep", &KV.replace("= true", "= false"))]);
    assert!(located(&result).contains(&("main.bicep".into(), 1, "SEC008".into())));
}

#[test]
fn a_compiled_template_beside_its_source_is_checked_once_with_the_source_primary() {
    let json = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "metadata": {"_generator": {"name": "bicep", "version": "0.30.0"}},
  "parameters": {"purge": {"type": "bool", "defaultValue": false}},
  "resources": [
    {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "kv1",
      "properties": {
        "enableRbacAuthorization": true,
        "enablePurgeProtection": "[parameters('purge')]",
        "publicNetworkAccess": "Disabled"
      }
    }
  ]
}
"#;
    let bicep = KV.replace("= true", "= false");
    let (_d, result) = run_dir(&[("main.bicep", &bicep), ("main.json", json)]);
    let sec008: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.id.as_ref() == "SEC008")
        .collect();
    assert_eq!(sec008.len(), 1, "{:?}", located(&result));
    let f = sec008[0];
    assert!(f.path.ends_with("main.bicep"), "{}", f.path);
    assert_eq!(f.span.start.line, 1);
    let json_related = f
        .related
        .iter()
        .find(|r| r.path.ends_with("main.json"))
        .expect("the compiled template as a related location");
    assert_eq!(json_related.span.unwrap().start.line, 12);
    // The JSON alone is still checked (its own location).
    let (_d, result) = run_dir(&[("main.json", json)]);
    assert!(
        located(&result).contains(&("main.json".into(), 4, "SEC008".into())),
        "{:?}",
        located(&result)
    );
}

#[test]
fn suppression_comments_work_in_bicep() {
    let bicep = KV.replace(
        "    enablePurgeProtection: purge\n",
        "    // akslint-ignore SEC008 reason: a scratch vault\n    enablePurgeProtection: false\n",
    );
    let (_d, result) = run_dir(&[("main.bicep", &bicep)]);
    assert!(
        !result.findings.iter().any(|f| f.id.as_ref() == "SEC008"),
        "{:?}",
        located(&result)
    );
    assert_eq!(result.suppressed.len(), 1);
}

#[test]
fn modules_are_followed_with_their_parameters_and_the_call_as_related_location() {
    let main = "module vault './modules/kv.bicep' = {\n  name: 'kv'\n  params: {\n    purge: false\n  }\n}\nmodule shared 'br/public:avm/res/key-vault/vault:0.13.3' = {\n  name: 'shared'\n}\noutput kvName string = vault.outputs.name\n";
    let module = "param purge bool\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv1'\n  properties: {\n    enableRbacAuthorization: true\n    enablePurgeProtection: purge\n    publicNetworkAccess: 'Disabled'\n  }\n}\noutput name string = kv.name\n";
    let (_d, result) = run_dir(&[("main.bicep", main), ("modules/kv.bicep", module)]);
    let got = located(&result);
    // The value the caller passed decides; the module is not linted again on its own.
    assert_eq!(
        got.iter().filter(|g| g.2 == "SEC008").collect::<Vec<_>>(),
        [&("main.bicep".to_string(), 4, "SEC008".to_string())]
    );
    let f = result
        .findings
        .iter()
        .find(|f| f.id.as_ref() == "SEC008")
        .unwrap();
    assert!(
        f.related
            .iter()
            .any(|r| r.message.contains("module `vault`") && r.span.unwrap().start.line == 1),
        "{:?}",
        f.related
    );
    assert_eq!(result.not_linted.len(), 1, "{:?}", result.not_linted);
    assert!(
        result.not_linted[0]
            .resource
            .contains("br/public:avm/res/key-vault/vault")
    );
}

#[test]
fn a_module_outside_the_scanned_root_is_not_read() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(
        outer.path().join("evil.bicep"),
        KV.replace("= true", "= false"),
    )
    .unwrap();
    let inner = outer.path().join("repo");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(
        inner.join("main.bicep"),
        "module m '../evil.bicep' = {\n  name: 'm'\n}\n",
    )
    .unwrap();
    let set = PolicySet::load(&[]).unwrap();
    let result = engine::run(
        &[input(&inner.join("main.bicep"), &inner)],
        &set,
        &Options::default(),
    );
    assert!(result.findings.iter().all(|f| f.id.as_ref() != "SEC008"));
    assert!(
        result
            .not_linted
            .iter()
            .any(|n| n.why.contains("outside the scanned root")),
        "{:?}",
        result.not_linted
    );
}

#[test]
fn a_syntax_error_is_akl001_at_its_position_and_the_run_goes_on() {
    let (_d, result) = run_dir(&[
        (
            "broken.bicep",
            "param p string\nresource r 'A.B/c@1' = {\n  name: 'x'\n  properties: { a: 1 2 }\n}\n",
        ),
        ("main.bicep", &KV.replace("= true", "= false")),
    ]);
    let got = located(&result);
    assert!(
        got.contains(&("broken.bicep".into(), 4, "AKL001".into())),
        "{got:?}"
    );
    let f = result
        .findings
        .iter()
        .find(|f| f.id.as_ref() == "AKL001")
        .unwrap();
    assert_eq!(f.span.start.col, 22);
    assert!(
        got.contains(&("main.bicep".into(), 1, "SEC008".into())),
        "{got:?}"
    );
}

#[test]
fn hostile_templates_are_bounded() {
    let started = std::time::Instant::now();
    let cases = [
        // A loop over Azure's limit.
        "resource r 'Microsoft.KeyVault/vaults@2023-07-01' = [for i in range(0, 5000): {\n  name: 'kv${i}'\n}]\n".to_string(),
        // Doubling variables.
        {
            let mut t = String::from("var v0 = [1, 2]\n");
            for i in 1..60 {
                t.push_str(&format!("var v{i} = [v{}, v{}]\n", i - 1, i - 1));
            }
            t.push_str("resource r 'A.B/c@1' = {\n  name: 'x'\n  properties: { a: v59 }\n}\n");
            t
        },
        // Self-referential variables.
        "var a = b\nvar b = a\nresource r 'A.B/c@1' = {\n  name: a\n}\n".to_string(),
        // Nested loops.
        "var xs = range(0, 700)\nvar ys = [for x in xs: [for y in xs: [for z in xs: z]]]\nresource r 'A.B/c@1' = {\n  name: 'n'\n  properties: { v: ys }\n}\n".to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let (_d, result) = run_dir(&[("main.bicep", text)]);
        let ids: Vec<&str> = result.findings.iter().map(|f| f.id.as_ref()).collect();
        if i != 2 {
            assert!(ids.contains(&"AKL003"), "case {i}: {ids:?}");
        }
    }
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}
