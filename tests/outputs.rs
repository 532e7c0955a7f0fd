//! End-to-end tests of the report formats (DESIGN §1): concise, json, sarif (validated against
//! the SARIF 2.1.0 schema plus GitHub code scanning's own rules), github annotations and the step
//! summary, human code frames, `--output`, and byte-for-byte determinism.
//!
//! Exact-output tests pass `--select POD001,RBAC001` (or the test policy) so that policies added
//! later do not change the expected lines; selection itself is tested in tests/cli.rs.

mod common;

use common::*;

use serde_json::Value;

// ---------------------------------------------------------------- helpers

const SELECT: &str = "POD001,RBAC001";
const POD_MSG: &str = "container `app` of Pod `web` runs privileged";
const ROLE_MSG: &str = "Role `admin-ish` grants every verb (`*`) in one of its rules";

// ---------------------------------------------------------------- concise

#[test]
fn concise_lines_are_exact() {
    let r = run(&[
        "check",
        "--format",
        "concise",
        "--select",
        SELECT,
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [
            format!("testdata/cli/findings.yaml:11:21: CRITICAL POD001 {POD_MSG}"),
            format!("testdata/cli/findings.yaml:21:13: HIGH RBAC001 {ROLE_MSG}"),
        ],
        "{r:?}"
    );
    let clean = run(&["check", "--format", "concise", &fx("clean.yaml")]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert_eq!(clean.stdout, "", "a clean concise run prints nothing");
}

// ---------------------------------------------------------------- json

#[test]
fn json_carries_the_finding_fields_and_summary() {
    let r = run(&[
        "check",
        "--format",
        "json",
        "--select",
        SELECT,
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{r:?}");

    assert_eq!(f[0]["id"], "POD001");
    assert_eq!(f[0]["name"], "privileged-container");
    assert_eq!(f[0]["severity"], "critical");
    assert_eq!(f[0]["message"], POD_MSG);
    assert_eq!(f[0]["path"], "testdata/cli/findings.yaml");
    assert_eq!(f[0]["start"]["line"], 11);
    assert_eq!(f[0]["start"]["column"], 21);
    assert_eq!(f[0]["end"]["line"], 11);
    assert_eq!(f[0]["end"]["column"], 25);
    assert_eq!(f[0]["resource"]["kind"], "Pod");
    assert_eq!(f[0]["resource"]["name"], "web");
    assert_eq!(f[0]["resource"]["namespace"], "prod");

    assert_eq!(f[1]["id"], "RBAC001");
    assert_eq!(f[1]["severity"], "high");
    assert_eq!(f[1]["start"]["line"], 21);
    assert_eq!(f[1]["start"]["column"], 13);
    assert_eq!(f[1]["resource"]["kind"], "Role");
    assert_eq!(f[1]["resource"]["name"], "admin-ish");

    let fp0 = f[0]["fingerprint"].as_str().unwrap();
    let fp1 = f[1]["fingerprint"].as_str().unwrap();
    assert!(!fp0.is_empty() && !fp1.is_empty() && fp0 != fp1, "{r:?}");

    let s = &doc["summary"];
    assert_eq!(s["findings"], 2);
    assert_eq!(s["by_severity"]["critical"], 1);
    assert_eq!(s["by_severity"]["high"], 1);
    assert_eq!(s["by_severity"]["medium"], 0);
    assert_eq!(s["by_severity"]["low"], 0);
    assert_eq!(s["files"], 1);
    assert_eq!(s["resources"], 2);
    assert_eq!(doc["tool"]["name"], "akslint");
}

#[test]
fn json_when_clean_has_an_empty_findings_array() {
    let r = run(&["check", "--format", "json", &fx("clean.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc = r.json();
    assert_eq!(doc["findings"], Value::Array(vec![]));
    assert_eq!(doc["summary"]["findings"], 0);
    assert_eq!(doc["summary"]["resources"], 1);
}

/// Fingerprints are policy + file + resource + path, not line numbers: reformatting the file
/// keeps them, and they differ between files.
#[test]
fn fingerprints_survive_reformatting() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let original = std::fs::read_to_string(root().join(fx("findings.yaml"))).unwrap();
    let reformatted = format!(
        "# a comment that moves every line down\n\n{}",
        original
            .replace("  containers:\n", "  containers:\n\n")
            .replace("verbs: [\"*\"]", "verbs:\n      - \"*\"")
    );
    write(d, "m.yaml", &original);
    let before = run_in(
        d,
        &["check", "--format", "json", "--select", SELECT, "m.yaml"],
    )
    .json();
    write(d, "m.yaml", &reformatted);
    let after = run_in(
        d,
        &["check", "--format", "json", "--select", SELECT, "m.yaml"],
    )
    .json();
    let fps = |doc: &Value| -> Vec<(String, String, u64)> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (b, a) = (fps(&before), fps(&after));
    assert_eq!(b.len(), 2);
    assert_eq!(a.len(), 2);
    for (x, y) in b.iter().zip(&a) {
        assert_eq!(x.0, y.0);
        assert_eq!(x.1, y.1, "fingerprint of {} changed with formatting", x.0);
        assert_ne!(x.2, y.2, "the reformat should have moved {}", x.0);
    }
    // Another file, same content: other fingerprints.
    write(d, "n.yaml", &original);
    let other = run_in(
        d,
        &["check", "--format", "json", "--select", SELECT, "n.yaml"],
    )
    .json();
    for (x, y) in b.iter().zip(&fps(&other)) {
        assert_ne!(x.1, y.1);
    }
}

// ---------------------------------------------------------------- sarif

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The OASIS schema's `language` patterns (run, toolComponent) have a lone `]`: a literal
    // under ECMA-262 Annex B, but jsonschema checks patterns in strict (unicode) mode and refuses
    // to compile the schema. Escape it in memory (same language); the file stays untouched.
    fn escape_lone_bracket(v: &mut Value) -> usize {
        const LONE: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match v {
            Value::Object(m) => {
                let mut n = 0;
                for (k, v) in m.iter_mut() {
                    if k == "pattern" && v == LONE {
                        *v = Value::from(LONE.replace("}]?", "}\\]?"));
                        n += 1;
                    } else {
                        n += escape_lone_bracket(v);
                    }
                }
                n
            }
            Value::Array(a) => a.iter_mut().map(escape_lone_bracket).sum(),
            _ => 0,
        }
    }
    assert!(escape_lone_bracket(&mut schema) >= 1);
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_and_follows_github_code_scanning_rules() {
    let r = run(&[
        "check",
        "--format",
        "sarif",
        "--policies",
        "testdata/cli/policies",
        "--select",
        "POD001,RBAC001,CLI002",
        &fx("findings.yaml"),
        &fx("helm-render.yaml"),
        &fx("multiline.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    assert_valid_sarif(&doc);

    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run0 = &runs[0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "akslint");
    assert!(driver["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(run0["automationDetails"]["id"].is_string());
    let srcroot = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        srcroot.starts_with("file://") && srcroot.ends_with('/'),
        "{srcroot}"
    );

    let rules = driver["rules"].as_array().unwrap();
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no rule {id}"))
    };
    for r in rules {
        for key in ["id", "name", "helpUri"] {
            assert!(
                r[key].as_str().is_some_and(|s| !s.is_empty()),
                "rule lacks {key}: {r}"
            );
        }
        assert!(r["shortDescription"]["text"].is_string(), "{r}");
        assert!(r["fullDescription"]["text"].is_string(), "{r}");
        assert!(
            r["help"]["text"].is_string() && r["help"]["markdown"].is_string(),
            "{r}"
        );
        assert!(r["defaultConfiguration"]["level"].is_string(), "{r}");
        let tags: Vec<&str> = r["properties"]["tags"]
            .as_array()
            .unwrap_or_else(|| panic!("rule lacks properties.tags: {r}"))
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{r}");
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("security-severity must be a string: {r}"))
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev), "{r}");
    }
    assert_eq!(rule("POD001")["properties"]["security-severity"], "9.5");
    assert_eq!(rule("RBAC001")["properties"]["security-severity"], "8.0");
    assert_eq!(rule("CLI002")["properties"]["security-severity"], "5.5");
    assert!(
        rule("POD001")["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"workload".into())
    );
    assert!(
        rule("RBAC001")["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"rbac".into())
    );
    assert_eq!(rule("POD001")["defaultConfiguration"]["level"], "error");
    assert_eq!(rule("CLI002")["defaultConfiguration"]["level"], "warning");

    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{r:?}");
    let mut uris = Vec::new();
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], id,
            "ruleIndex must point at the rule {id}"
        );
        assert!(res["level"].is_string());
        assert!(
            res["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let locs = res["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 1);
        let phys = &locs[0]["physicalLocation"];
        let art = &phys["artifactLocation"];
        assert_eq!(art["uriBaseId"], "%SRCROOT%");
        let uri = art["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && !uri.contains('\\'),
            "{uri}"
        );
        uris.push(uri.to_string());
        let region = &phys["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert!(region["endLine"].as_u64().unwrap() >= region["startLine"].as_u64().unwrap());
        let fp = res["partialFingerprints"].as_object().unwrap();
        assert!(
            !fp.is_empty()
                && fp
                    .values()
                    .all(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        );
        assert!(locs[0]["logicalLocations"][0]["name"].is_string(), "{res}");
    }
    uris.sort();
    uris.dedup();
    assert_eq!(
        uris,
        [
            "testdata/cli/findings.yaml",
            "testdata/cli/helm-render.yaml",
            "testdata/cli/multiline.yaml"
        ]
    );

    // The exact region of the POD001 result, and the multi-line one.
    let pod = results
        .iter()
        .find(|r| {
            r["ruleId"] == "POD001"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "testdata/cli/findings.yaml"
        })
        .unwrap();
    assert_eq!(
        pod["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 11, "startColumn": 21, "endLine": 11, "endColumn": 25})
    );
    let note = results.iter().find(|r| r["ruleId"] == "CLI002").unwrap();
    let region = &note["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 6);
    assert_eq!(region["endLine"], 7);

    // Helm: the chart of this render is not on disk, so its template is named in the
    // message, not a related location code scanning could not open.
    let helm = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "testdata/cli/helm-render.yaml"
        })
        .unwrap();
    assert!(helm.get("relatedLocations").is_none(), "{helm}");
    assert!(
        helm["message"]["text"].as_str().unwrap().ends_with(
            "(rendered from this Helm template `mychart/templates/deployment.yaml`, not in the repository)"
        ),
        "{helm}"
    );
}

/// The validator is live: a document GitHub would reject fails it.
#[test]
fn sarif_schema_rejects_a_broken_document() {
    let r = run(&[
        "check",
        "--format",
        "sarif",
        "--select",
        SELECT,
        &fx("findings.yaml"),
    ]);
    let mut doc = r.json();
    assert_valid_sarif(&doc);
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(
        !sarif_validator().is_valid(&doc),
        "startLine 0 must be rejected"
    );
    let mut doc = r.json();
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !sarif_validator().is_valid(&doc),
        "an unknown level must be rejected"
    );
}

#[test]
fn sarif_when_clean_has_an_empty_results_array() {
    let r = run(&["check", "--format", "sarif", &fx("clean.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc = r.json();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"], Value::Array(vec![]));
    assert!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "POD001"),
        "rules list every policy that ran, even without results"
    );
}

#[test]
fn sarif_with_linter_findings_validates() {
    let r = run(&[
        "check",
        "--format",
        "sarif",
        &fx("syntax-error.yaml"),
        &fx("duplicate-keys.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for res in results {
        assert_eq!(res["ruleId"], "AKL001");
        assert_eq!(
            rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "AKL001"
        );
    }
}

// ---------------------------------------------------------------- github

#[test]
fn github_annotations_single_line_ranges() {
    let r = run(&[
        "check",
        "--format",
        "github",
        "--select",
        SELECT,
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [
            format!(
                "::error file=testdata/cli/findings.yaml,line=11,col=21,endLine=11,endColumn=25,title=POD001 privileged-container::{POD_MSG}"
            ),
            format!(
                "::error file=testdata/cli/findings.yaml,line=21,col=13,endLine=21,endColumn=16,title=RBAC001 wildcard-verbs::{ROLE_MSG}"
            ),
        ],
        "{r:?}"
    );
}

/// The finding of the test policy CLI002 spans a two-line quoted scalar.
#[test]
fn github_annotations_leave_out_columns_when_the_range_spans_lines() {
    let r = run(&[
        "check",
        "--format",
        "github",
        "--policies",
        "testdata/cli/policies",
        "--select",
        "CLI002",
        &fx("multiline.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [
            "::warning file=testdata/cli/multiline.yaml,line=6,endLine=7,title=CLI002 dangerous-note::ConfigMap `notes` has a note that mentions danger"
        ],
        "{r:?}"
    );
}

#[test]
fn github_step_summary_is_appended() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = command(&root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--format",
            "github",
            "--select",
            SELECT,
            &fx("findings.yaml"),
        ])
        .output()
        .unwrap();
    let r = finish(out);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.starts_with("::error "),
        "annotations still go to stdout: {r:?}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("# earlier step\n"),
        "appended, not overwritten:\n{md}"
    );
    assert!(md.contains("## akslint"), "{md}");
    assert!(md.contains("2 findings (1 critical, 1 high)"), "{md}");
    // The counts by policy, then the findings.
    let (policies, table) = md.split_once("| severity | id | location |").unwrap();
    let policy_rows: Vec<&str> = policies
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| severity"))
        .collect();
    assert_eq!(
        policy_rows,
        [
            "| critical | POD001 | privileged-container | 1 |",
            "| high | RBAC001 | wildcard-verbs | 1 |"
        ],
        "{md}"
    );
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| severity"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(
        rows[0].contains("POD001") && rows[0].contains("testdata/cli/findings.yaml:11"),
        "{md}"
    );
    assert!(
        rows[1].contains("RBAC001") && rows[1].contains("testdata/cli/findings.yaml:21"),
        "{md}"
    );
    // The `|` in a message must not break the table: every row has the same cell count.
    let header_cells = "| severity | id | location | message |"
        .matches(" | ")
        .count();
    for row in &rows {
        assert_eq!(
            row.replace("\\|", "").matches(" | ").count(),
            header_cells,
            "{row}"
        );
    }

    // A second (clean) run appends again.
    let out = command(&root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github", &fx("clean.yaml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let md2 = std::fs::read_to_string(&summary).unwrap();
    assert!(md2.starts_with(&md), "second run appends");
    assert!(md2[md.len()..].contains("No findings"), "{md2}");
}

// ---------------------------------------------------------------- human

#[test]
fn human_shows_snippet_code_and_summary_without_ansi_when_piped() {
    let out = command(&root())
        .env_remove("NO_COLOR")
        .args(["check", "--select", SELECT, &fx("findings.yaml")])
        .output()
        .unwrap();
    let r = finish(out);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        !r.stdout.contains('\u{1b}'),
        "ANSI escape in piped output: {r:?}"
    );
    assert!(r.stdout.contains("POD001 privileged-container"), "{r:?}");
    assert!(r.stdout.contains("RBAC001 wildcard-verbs"), "{r:?}");
    assert!(r.stdout.contains(POD_MSG), "{r:?}");
    // The offending source lines, with their line numbers.
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("11 │") && l.ends_with("        privileged: true")),
        "{r:?}"
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("21 │") && l.ends_with("    verbs: [\"*\"]")),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("testdata/cli/findings.yaml:11:21"),
        "{r:?}"
    );
    let last = r.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("Found 2 findings (1 critical, 1 high)"),
        "summary line: {last}"
    );
    assert!(last.contains("checked 2 resources"), "{last}");

    let clean = run(&["check", &fx("clean.yaml")]);
    assert_eq!(clean.code, 0);
    assert!(
        clean
            .stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("No findings"),
        "{clean:?}"
    );
}

/// The human header location and caret must match the finding even with a BOM on line 1.
#[test]
fn human_location_is_right_with_a_bom_on_the_finding_line() {
    let tmp = tempfile::tempdir().unwrap();
    let one = "{apiVersion: v1, kind: Pod, metadata: {name: one}, spec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}}";
    write(tmp.path(), "bom.yaml", format!("\u{feff}{one}\n"));
    let col = one.find("true").unwrap() + 1;
    let r = run_in(tmp.path(), &["check", "--select", "POD001", "bom.yaml"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(&format!("[bom.yaml:1:{col}]")), "{r:?}");
}

// ---------------------------------------------------------------- --output

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = run(&[
        "check",
        "--format",
        "json",
        "--select",
        SELECT,
        &fx("findings.yaml"),
    ]);
    for format in ["json", "sarif", "concise", "human"] {
        let file = tmp.path().join(format!("report.{format}"));
        let r = run(&[
            "check",
            "--format",
            format,
            "--select",
            SELECT,
            "--output",
            file.to_str().unwrap(),
            &fx("findings.yaml"),
        ]);
        assert_eq!(r.code, 1, "{format}: {r:?}");
        assert!(r.stdout.is_empty(), "{format}: {r:?}");
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(written.contains("POD001"), "{format}: {written}");
        assert!(!written.contains('\u{1b}'), "{format}: no colour in files");
        if format == "json" {
            assert_eq!(written, reference.stdout);
        }
    }
    // Only the report is written: no temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");

    // Overwrites an existing file.
    let file = tmp.path().join("report.json");
    let r = run(&[
        "check",
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
        &fx("clean.yaml"),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["summary"]["findings"], 0);
}

// ---------------------------------------------------------------- determinism

fn determinism_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let copy = |from: &str, to: &str| {
        write(d, to, std::fs::read(root().join(fx(from))).unwrap());
    };
    copy("findings.yaml", "b/findings.yaml");
    copy("findings.yaml", "a/z-findings.yaml");
    copy("helm-render.yaml", "a/helm.yaml");
    copy("list.yaml", "c/d/list.yaml");
    copy("yaml11.yaml", "c/yaml11.yaml");
    copy("multidoc.yaml", "multidoc.yaml");
    copy("syntax-error.yaml", "c/broken.yaml");
    copy("duplicate-keys.yaml", "b/dup.yaml");
    copy("clean.yaml", "clean.yaml");
    copy("values.yaml", "values.yaml");
    tmp
}

#[test]
fn output_is_byte_identical_across_runs_and_job_counts() {
    let tmp = determinism_tree();
    let d = tmp.path();
    for format in ["json", "sarif", "concise", "github"] {
        let a = run_in(d, &["check", ".", "--format", format]);
        let b = run_in(d, &["check", ".", "--format", format]);
        let j1 = run_in(d, &["check", ".", "--format", format, "-j", "1"]);
        let j2 = run_in(d, &["check", ".", "--format", format, "-j", "2"]);
        assert_eq!(a.code, 1, "{format}: {a:?}");
        assert!(a.raw.len() > 100, "{format}: {a:?}");
        assert!(a.raw == b.raw, "{format}: two runs differ");
        assert!(j1.raw == j2.raw, "{format}: -j 1 and -j 2 differ");
        assert!(a.raw == j1.raw, "{format}: default jobs and -j 1 differ");
    }
}

#[test]
fn findings_are_sorted_by_file_line_column_id() {
    let tmp = determinism_tree();
    let r = run_in(tmp.path(), &["check", ".", "--format", "json", "-j", "2"]);
    let doc = r.json();
    let keys: Vec<(String, u64, u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(keys.len() >= 8, "{r:?}");
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let files: std::collections::BTreeSet<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "a/helm.yaml",
            "a/z-findings.yaml",
            "b/dup.yaml",
            "b/findings.yaml",
            "c/broken.yaml",
            "c/d/list.yaml",
            "c/yaml11.yaml",
            "multidoc.yaml"
        ]
    );
}

// ---------------------------------------------------------------- run notes

/// An ARM template with one check undecided until deployment (a parameter without a value)
/// and one resource its default parameters do not deploy.
const NOTES_UNDECIDED: &str =
    "1 check undecided on 1 resource (values known only at deployment; --statistics lists them).";
const NOTES_SKIPPED: &str = "1 resource not deployed with these parameters (condition false; --statistics lists it; --arm-parameters lints another set).";

fn notes_run(format: &str, extra: &[&str]) -> Run {
    let dir = fx("run-notes");
    let mut args = vec!["check", "--select", "AUTH001", "--format", format];
    args.extend_from_slice(extra);
    args.push(&dir);
    run(&args)
}

#[test]
fn undecided_checks_and_resources_not_deployed_are_said_in_every_format() {
    let human = notes_run("human", &[]);
    assert_eq!(
        human.lines(),
        [
            "No findings: checked 1 resource in 1 file.",
            NOTES_UNDECIDED,
            NOTES_SKIPPED
        ],
        "{human:?}"
    );
    let concise = notes_run("concise", &[]);
    assert_eq!(
        concise.lines(),
        [NOTES_UNDECIDED, NOTES_SKIPPED],
        "{concise:?}"
    );
    let github = notes_run("github", &[]);
    assert_eq!(
        github.lines(),
        [
            format!("akslint: {NOTES_UNDECIDED}"),
            format!("akslint: {NOTES_SKIPPED}")
        ],
        "{github:?}"
    );
    let summary = notes_run("json", &[]).json()["summary"].clone();
    assert_eq!(
        summary["undecided"],
        serde_json::json!({"checks": 1, "resources": 1})
    );
    assert_eq!(summary["not_deployed"], 1);
    let sarif = notes_run("sarif", &[]).json();
    assert_valid_sarif(&sarif);
    let run0 = &sarif["runs"][0];
    let notes: Vec<(&str, &str)> = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["descriptor"]["id"].as_str().unwrap(),
                n["message"]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("undecided", NOTES_UNDECIDED),
            ("not-deployed", NOTES_SKIPPED)
        ]
    );
    assert_eq!(run0["properties"]["undecidedChecks"], 1);
    // --quiet: findings only.
    for format in ["human", "concise", "github"] {
        let q = notes_run(format, &["--quiet"]);
        assert_eq!(q.stdout, "", "{format}: {q:?}");
    }
    // --statistics names the resources.
    let stats = notes_run("concise", &["--statistics"]);
    assert!(
        stats.stdout.contains("testdata/cli/run-notes/main.json:9:5: Microsoft.ContainerService/managedClusters aks-prod: AUTH001"),
        "{stats:?}"
    );
    assert!(
        stats.stdout.contains("testdata/cli/run-notes/main.json:20:20: Microsoft.ContainerService/managedClusters aks-staging (template defaults)"),
        "{stats:?}"
    );
}

#[test]
fn the_job_summary_says_what_is_undecided() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = command(&root())
        .args([
            "check",
            "--select",
            "AUTH001",
            "--format",
            "github",
            &fx("run-notes"),
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains(NOTES_UNDECIDED) && md.contains(NOTES_SKIPPED),
        "{md}"
    );
}

// ---------------------------------------------------------------- GitHub's limits (issue 16)

/// `n` Pods, each with findings of several severities (privileged: critical; no limits,
/// latest tag…: lower).
fn many_pods(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-{i}\n  namespace: default\nspec:\n  containers:\n    - name: app\n      image: nginx:latest\n      securityContext:\n        privileged: {}\n",
                i % 50 == 7
            )
        })
        .collect()
}

#[test]
fn the_job_summary_stays_under_one_mebibyte_worst_first_with_counts_by_policy() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "pods.yaml", many_pods(3_000));
    let summary = tmp.path().join("summary.md");
    let out = command(tmp.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github", "pods.yaml"])
        .output()
        .unwrap();
    let r = finish(out);
    assert_eq!(r.code, 1, "{r:?}");
    let total = r.lines().iter().filter(|l| l.starts_with("::")).count();
    assert!(total > 10_000, "enough findings to overflow: {total}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.len() < 1024 * 1024, "{} bytes", md.len());
    let (policies, table) = md.split_once("| severity | id | location |").unwrap();
    // Every policy is counted, and the counts add up.
    let counted: usize = policies
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| severity"))
        .map(|l| {
            l.trim_end_matches(" |")
                .rsplit("| ")
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(counted, total, "{policies}");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ")).collect();
    // The 60 critical findings come first.
    assert!(
        rows[..60].iter().all(|l| l.starts_with("| critical |")),
        "{:?}",
        &rows[..61]
    );
    assert!(!rows[60].starts_with("| critical |"));
    let more = total - rows.len();
    assert!(more > 0);
    assert!(
        md.contains(&format!("{more} more findings (less severe or later in the file order) in the SARIF report and the job log.")),
        "{}",
        &md[md.len() - 300..]
    );
}

#[test]
fn github_annotations_come_worst_first() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "pods.yaml", many_pods(60));
    let r = run_in(tmp.path(), &["check", "--format", "github", "pods.yaml"]);
    let order = |l: &&str| match l.split(' ').next() {
        Some("::error") => 0,
        Some("::warning") => 1,
        Some("::notice") => 2,
        _ => 3,
    };
    let lines: Vec<&str> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("::"))
        .collect();
    assert!(lines.len() > 100, "{r:?}");
    assert!(
        lines.windows(2).all(|w| order(&w[0]) <= order(&w[1])),
        "{r:?}"
    );
    // Within a level, the critical ones (privileged) come before the high ones.
    let first_errors: Vec<&&str> = lines.iter().take(2).collect();
    assert!(
        first_errors.iter().all(|l| l.contains("POD001")),
        "{first_errors:?}"
    );
}

#[test]
fn sarif_links_related_locations_and_names_templates_not_on_disk_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        privileged: true\n";
    write(tmp.path(), "chart/templates/pod.yaml", chart);
    let rendered = format!(
        "---\n# Source: chart/templates/pod.yaml\n{chart}---\n# Source: gone/templates/pod.yaml\n{}",
        chart.replace("name: p\n", "name: q\n")
    );
    write(tmp.path(), "out.yaml", &rendered);
    let r = run_in(
        tmp.path(),
        &[
            "check", "--select", "POD001", "--format", "sarif", "out.yaml",
        ],
    );
    let doc = r.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{doc}");
    let on_disk = results
        .iter()
        .find(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "chart/templates/pod.yaml"
        })
        .unwrap();
    let related = on_disk["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], 1);
    assert_eq!(
        on_disk["message"]["text"],
        "container `app` of Pod `p` runs privileged (related: [rendered here](1))"
    );
    let missing = results
        .iter()
        .find(|x| x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "out.yaml")
        .unwrap();
    assert!(missing.get("relatedLocations").is_none(), "{missing}");
    assert_eq!(
        missing["message"]["text"],
        "container `app` of Pod `q` runs privileged (rendered from this Helm template `gone/templates/pod.yaml`, not in the repository)"
    );
}

// ---------------------------------------------------------------- injection through names (issue 15)

#[test]
fn input_derived_text_cannot_start_a_workflow_command_drive_a_terminal_or_inject_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let evil = r#"evil\n::error file=README.md,line=1::FAKE\e[31m\u202e`<img src=x onerror=alert(1)>|[x](y)"#;
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{evil}\"\n  namespace: \"ns\\r\\n::warning::x\"\nspec:\n  containers:\n    - name: \"app\\n::notice::y\"\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n"
    );
    write(tmp.path(), "pod.yaml", &pod);
    // A file name of the repository is input as well.
    #[cfg(unix)]
    write(tmp.path(), "x\n::error file=a,line=1::NAMED.yaml", &pod);
    #[cfg(unix)]
    write(tmp.path(), "::error file=README.md,line=1::FAKE.yaml", &pod);
    let summary = tmp.path().join("summary.md");
    let n = run_in(tmp.path(), &["check", "--format", "json", "."]).json()["findings"]
        .as_array()
        .unwrap()
        .len();
    assert!(n >= 2, "{n}");
    for format in ["human", "concise", "github"] {
        let out = command(tmp.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--format", format, "--statistics", "."])
            .output()
            .unwrap();
        let r = finish(out);
        assert_eq!(r.code, 1, "{r:?}");
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(!text.contains('\u{1b}'), "{format} {what}: ESC\n{text}");
            assert!(!text.contains('\u{202e}'), "{format} {what}: bidi override");
            let commands = text.lines().filter(|l| l.starts_with("::")).count();
            let expected = if format == "github" && what == "stdout" {
                n
            } else {
                0
            };
            assert_eq!(commands, expected, "{format} {what}:\n{text}");
        }
        assert!(
            r.stdout.contains("evil\\n::error file=README.md"),
            "{format}: {}",
            r.stdout
        );
    }
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains("<img"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"), "{md}");
    // Every backtick and bracket from the input is escaped; the row keeps its four cells.
    assert_eq!(md.matches('`').count(), md.matches("\\`").count(), "{md}");
    assert!(md.contains("\\[x\\](y)"), "{md}");
    for row in md.lines().filter(|l| l.contains("evil")) {
        assert_eq!(row.replace("\\|", "").matches(" | ").count(), 3, "{row}");
    }
}
