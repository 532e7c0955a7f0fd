//! End-to-end tests of the command line (DESIGN §1): exit codes, the default command, inputs and
//! detection, linter findings (AKL001/AKL003), selection, Helm renders and the subcommands.
//! Every test runs the real binary; fixtures live in testdata/cli/, anything written goes to a
//! temporary directory.

mod common;

/// Exact-output tests look at the first two policies only, so later policies do not change them.
const SELECT: &str = "POD001,RBAC001";

use common::*;

use std::process::Stdio;

// ---------------------------------------------------------------- helpers

/// (id, path, line, column) of every finding of a `--format json` run.
fn found(r: &Run) -> Vec<(String, String, u64, u64)> {
    r.json()["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn ids(r: &Run) -> Vec<String> {
    found(r).into_iter().map(|f| f.0).collect()
}

fn assert_no_crash(r: &Run) {
    assert!(r.code == 0 || r.code == 1 || r.code == 2, "{r:?}");
    assert!(!r.stderr.contains("panicked"), "{r:?}");
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
";

// ---------------------------------------------------------------- 1. exit codes

#[test]
fn exit_0_for_a_clean_manifest() {
    let r = run(&["check", &fx("clean.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("No findings"), "{r:?}");
}

#[test]
fn exit_1_with_findings() {
    let r = run(&["check", &fx("findings.yaml"), "--format", "concise"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(" POD001 "), "{r:?}");
}

#[test]
fn exit_2_for_a_nonexistent_path() {
    let r = run(&["check", "testdata/cli/does-not-exist.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("does-not-exist.yaml"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn exit_2_for_an_unknown_select() {
    let r = run(&["check", "--select", "XYZ", &fx("findings.yaml")]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("XYZ"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn exit_2_for_a_policy_dir_with_a_yaml_error_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "custom/BAD001.yaml",
        "id: BAD001\nname: broken\n  area: [workload\nseverity: low\n",
    );
    std::fs::copy(root().join(fx("findings.yaml")), tmp.path().join("in.yaml")).unwrap();
    let r = run_in(tmp.path(), &["check", "--policies", "custom", "in.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("custom/BAD001.yaml"), "{r:?}");
    assert!(
        r.stderr.contains("BAD001.yaml:3:"),
        "the YAML error is on line 3: {r:?}"
    );
    assert!(r.stdout.is_empty(), "no report on a policy error: {r:?}");
}

#[test]
fn exit_2_for_a_policy_dir_with_an_unknown_key_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "custom/BAD002.yaml",
        "id: BAD002
name: bad-key
area: workload
severity: low
title: A policy with a typo
message: m
help: h.
chekcs: []
",
    );
    std::fs::copy(root().join(fx("findings.yaml")), tmp.path().join("in.yaml")).unwrap();
    let r = run_in(tmp.path(), &["check", "--policies", "custom", "in.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("custom/BAD002.yaml"), "{r:?}");
    assert!(r.stderr.contains("chekcs"), "{r:?}");
    assert!(
        r.stderr.contains("BAD002.yaml:8:"),
        "the unknown key is on line 8: {r:?}"
    );
}

#[test]
fn exit_zero_gives_0_with_findings() {
    let r = run(&[
        "check",
        "--exit-zero",
        "--format",
        "concise",
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(" POD001 "),
        "findings are still reported: {r:?}"
    );
}

#[test]
fn fail_on_critical_ignores_high_findings() {
    let json = run(&["check", "--format", "json", &fx("rbac-only.yaml")]);
    let sev = &json.json()["summary"]["by_severity"];
    assert!(sev["high"].as_u64().unwrap() >= 1, "{json:?}");
    assert_eq!(sev["critical"], 0, "{json:?}");
    assert!(ids(&json).contains(&"RBAC001".to_string()));

    let r = run(&["check", "--fail-on", "critical", &fx("rbac-only.yaml")]);
    assert_eq!(r.code, 0, "only high findings: {r:?}");
    let r = run(&["check", "--fail-on", "high", &fx("rbac-only.yaml")]);
    assert_eq!(r.code, 1, "{r:?}");
    let r = run(&["check", &fx("rbac-only.yaml")]);
    assert_eq!(r.code, 1, "default --fail-on low: {r:?}");
}

#[test]
fn fail_on_critical_fails_when_a_critical_finding_exists() {
    let r = run(&[
        "check",
        "--fail-on",
        "critical",
        "--format",
        "concise",
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("CRITICAL POD001"), "{r:?}");
}

// ---------------------------------------------------------------- 2. default command

#[test]
fn default_command_is_check() {
    for format in ["concise", "json"] {
        let explicit = run(&["check", "--format", format, &fx("findings.yaml")]);
        let implicit = run(&[&fx("findings.yaml"), "--format", format]);
        assert_eq!(explicit.code, 1);
        assert_eq!(implicit.code, explicit.code, "{implicit:?}");
        assert_eq!(implicit.stdout, explicit.stdout);
    }
    // A leading flag also means `check`.
    let flag_first = run(&["--format", "concise", &fx("findings.yaml")]);
    assert_eq!(flag_first.code, 1, "{flag_first:?}");
    assert!(flag_first.stdout.contains("POD001"));
    // No arguments: `check .`.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "k8s/pod.yaml", PRIVILEGED_POD);
    let bare = run_in(tmp.path(), &[]);
    assert_eq!(bare.code, 1, "{bare:?}");
    assert!(bare.stdout.contains("POD001"), "{bare:?}");
}

// ---------------------------------------------------------------- 3. inputs

fn concise_paths(r: &Run) -> Vec<String> {
    let mut v: Vec<String> = r
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    v.dedup();
    v
}

#[test]
fn directory_walk_honours_gitignore_and_skips_vendor_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for rel in [
        "app/pod.yaml",
        "nested/deeper/pod.yml",
        "ignored/pod.yaml",
        "build.generated.yaml",
        "node_modules/pkg/pod.yaml",
        ".git/pod.yaml",
        ".terraform/modules/pod.yaml",
        "app/node_modules/pod.yaml",
    ] {
        write(d, rel, PRIVILEGED_POD);
    }
    write(d, ".gitignore", "ignored/\n*.generated.yaml\n");
    write(d, "README.md", "# docs\n");
    write(d, "values.yaml", "replicaCount: 1\n");
    let r = run_in(d, &["check", ".", "--format", "concise"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        concise_paths(&r),
        ["app/pod.yaml", "nested/deeper/pod.yml"],
        "{r:?}"
    );
    assert!(
        !r.stderr.contains("skipped"),
        "files found by a walk are skipped silently: {r:?}"
    );

    // --no-ignore brings the .gitignored files back, never the vendor directories.
    let r = run_in(d, &["check", ".", "--format", "concise", "--no-ignore"]);
    assert_eq!(
        concise_paths(&r),
        [
            "app/pod.yaml",
            "build.generated.yaml",
            "ignored/pod.yaml",
            "nested/deeper/pod.yml"
        ],
        "{r:?}"
    );
}

#[test]
fn glob_selects_matching_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "manifests/a.yaml", PRIVILEGED_POD);
    write(d, "manifests/sub/b.yaml", PRIVILEGED_POD);
    write(d, "manifests/sub/c.yml", PRIVILEGED_POD);
    write(
        d,
        "manifests/sub/d.json",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"securityContext\":{\"privileged\":true}}]}}\n",
    );
    write(d, "other/e.yaml", PRIVILEGED_POD);
    let r = run_in(d, &["check", "manifests/**/*.yaml", "--format", "concise"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        concise_paths(&r),
        ["manifests/a.yaml", "manifests/sub/b.yaml"],
        "{r:?}"
    );
}

#[test]
fn stdin_with_stdin_filename() {
    let r = run_stdin(
        &[
            "check",
            "-",
            "--stdin-filename",
            "x.yaml",
            "--format",
            "concise",
            "--select",
            SELECT,
        ],
        std::fs::read(root().join(fx("findings.yaml")))
            .unwrap()
            .as_slice(),
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [
            "x.yaml:11:21: CRITICAL POD001 container `app` of Pod `web` runs privileged",
            "x.yaml:21:13: HIGH RBAC001 Role `admin-ish` grants every verb (`*`) in one of its rules",
        ],
        "{r:?}"
    );
    let clean = run_stdin(
        &["-", "--stdin-filename", "x.yaml"],
        std::fs::read(root().join(fx("clean.yaml")))
            .unwrap()
            .as_slice(),
    );
    assert_eq!(clean.code, 0, "{clean:?}");
}

#[test]
fn explicitly_named_non_manifests_are_skipped_with_a_notice() {
    let r = run(&["check", &fx("README.md"), &fx("values.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    let notices: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(notices.len(), 2, "one line per skipped file: {r:?}");
    assert!(notices[0].contains("testdata/cli/README.md"), "{r:?}");
    assert!(notices[1].contains("testdata/cli/values.yaml"), "{r:?}");
    assert!(notices.iter().all(|l| l.contains("skipped")), "{r:?}");

    // Next to a real manifest: the exit code follows the manifest alone.
    let r = run(&["check", &fx("values.yaml"), &fx("clean.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stderr.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "{r:?}"
    );
    let r = run(&[
        "check",
        &fx("values.yaml"),
        &fx("findings.yaml"),
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stdout.contains("values.yaml"), "{r:?}");

    // --quiet drops the notice.
    let r = run(&["check", "-q", &fx("values.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
}

#[test]
fn multi_document_stream_with_empty_documents() {
    let r = run(&[
        "check",
        "--format",
        "json",
        "--select",
        SELECT,
        &fx("multidoc.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        found(&r),
        [("POD001".into(), fx("multidoc.yaml"), 13, 37)],
        "{r:?}"
    );
    assert_eq!(
        r.json()["summary"]["resources"],
        2,
        "the Pod and the ConfigMap: {r:?}"
    );
}

#[test]
fn bom_and_crlf_keep_line_and_column_right() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let lf = PRIVILEGED_POD;
    write(d, "lf.yaml", lf);
    write(d, "bom.yaml", format!("\u{feff}{lf}"));
    write(d, "crlf.yaml", lf.replace('\n', "\r\n"));
    write(
        d,
        "bomcrlf.yaml",
        format!("\u{feff}{}", lf.replace('\n', "\r\n")),
    );
    // One line: the BOM sits on the finding's own line.
    let one = "{apiVersion: v1, kind: Pod, metadata: {name: one}, spec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}}";
    let col = one.find("true").unwrap() + 1;
    write(d, "one.yaml", format!("{one}\n"));
    write(d, "onebom.yaml", format!("\u{feff}{one}\r\n"));
    // JSON manifests may carry a BOM too.
    let json2 = r#" "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]}}"#;
    let jcol = json2.find("true").unwrap() + 1;
    write(
        d,
        "bom.json",
        format!(
            "\u{feff}{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"j\"}},\r\n{json2}\r\n"
        ),
    );
    let r = run_in(
        d,
        &["check", ".", "--format", "concise", "--select", SELECT],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let msg = "CRITICAL POD001 container `app` of Pod `web` runs privileged";
    let msg1 = "CRITICAL POD001 container `c` of Pod `one` runs privileged";
    assert_eq!(
        r.lines(),
        [
            format!("bom.json:2:{jcol}: CRITICAL POD001 container `c` of Pod `j` runs privileged"),
            format!("bom.yaml:10:21: {msg}"),
            format!("bomcrlf.yaml:10:21: {msg}"),
            format!("crlf.yaml:10:21: {msg}"),
            format!("lf.yaml:10:21: {msg}"),
            format!("one.yaml:1:{col}: {msg1}"),
            format!("onebom.yaml:1:{col}: {msg1}"),
        ],
        "{r:?}"
    );
    // End columns too (CR is not part of the value).
    let r = run_in(
        d,
        &[
            "check",
            "crlf.yaml",
            "bomcrlf.yaml",
            "--format",
            "json",
            "--select",
            SELECT,
        ],
    );
    for f in r.json()["findings"].as_array().unwrap() {
        assert_eq!(f["end"]["line"], 10, "{r:?}");
        assert_eq!(f["end"]["column"], 25, "{r:?}");
    }
}

#[test]
fn kind_list_items_are_linted() {
    let r = run(&[
        "check",
        "--format",
        "json",
        "--select",
        SELECT,
        &fx("list.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        found(&r),
        [("POD001".into(), fx("list.yaml"), 18, 25)],
        "{r:?}"
    );
    let f = &r.json()["findings"][0];
    assert_eq!(f["resource"]["kind"], "Pod");
    assert_eq!(f["resource"]["name"], "in-list");
}

#[test]
fn yaml_1_1_booleans_plain_yes_is_true_quoted_is_a_string() {
    let r = run(&[
        "check",
        "--format",
        "json",
        "--select",
        "POD001",
        &fx("yaml11.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r:?}");
    assert_eq!(findings[0]["resource"]["name"], "yes-plain");
    assert_eq!(findings[0]["start"]["line"], 11);
}

// ---------------------------------------------------------------- 4. linter findings

#[test]
fn yaml_syntax_error_is_akl001_and_other_files_are_still_linted() {
    let r = run(&[
        "check",
        "--format",
        "json",
        &fx("syntax-error.yaml"),
        &fx("findings.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let f = found(&r);
    assert!(
        f.contains(&("AKL001".into(), fx("syntax-error.yaml"), 4, 10)),
        "{r:?}"
    );
    assert!(
        f.contains(&("POD001".into(), fx("findings.yaml"), 11, 21)),
        "{r:?}"
    );
    assert!(
        f.contains(&("RBAC001".into(), fx("findings.yaml"), 21, 13)),
        "{r:?}"
    );
    let akl = &r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "AKL001")
        .cloned()
        .unwrap();
    assert_eq!(akl["severity"], "high");
    assert!(
        akl["message"]
            .as_str()
            .unwrap()
            .contains("mapping values are not allowed"),
        "{akl}"
    );
}

#[test]
fn invalid_utf8_is_akl001() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"\"\n");
    write(tmp.path(), "latin.yaml", &bytes);
    write(tmp.path(), "pod.yaml", PRIVILEGED_POD);
    let r = run_in(
        tmp.path(),
        &["check", "latin.yaml", "pod.yaml", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let f = found(&r);
    assert!(
        f.iter()
            .any(|(id, p, line, _)| id == "AKL001" && p == "latin.yaml" && *line == 6),
        "{r:?}"
    );
    assert!(
        f.iter()
            .any(|(id, p, ..)| id == "POD001" && p == "pod.yaml"),
        "{r:?}"
    );
    assert!(r.stdout.contains("UTF-8"), "{r:?}");
}

#[test]
fn duplicate_keys_are_akl001_at_the_second_key() {
    let r = run(&["check", "--format", "concise", &fx("duplicate-keys.yaml")]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [format!(
            "{}:8:3: HIGH AKL001 duplicate key `a` (first at line 6); kubectl and Helm keep the last value, other readers may take the first: both are linted",
            fx("duplicate-keys.yaml")
        )],
        "{r:?}"
    );
}

#[test]
fn deeply_nested_block_sequences_are_akl003_without_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "deep.yaml",
        format!("{}x\n", "- ".repeat(10_000)),
    );
    write(tmp.path(), "pod.yaml", PRIVILEGED_POD);
    let r = run_in(
        tmp.path(),
        &["check", "deep.yaml", "pod.yaml", "--format", "json"],
    );
    assert_no_crash(&r);
    assert_eq!(r.code, 1, "{r:?}");
    let f = found(&r);
    assert!(
        f.iter()
            .any(|(id, p, ..)| id == "AKL003" && p == "deep.yaml"),
        "{r:?}"
    );
    assert!(
        f.iter()
            .any(|(id, p, ..)| id == "POD001" && p == "pod.yaml"),
        "{r:?}"
    );
    assert!(
        !f.iter().any(|(id, ..)| id == "AKL004"),
        "no internal error: {r:?}"
    );
}

#[test]
fn deeply_nested_flow_yaml_and_json_are_akl003() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "flow.yaml",
        format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(
        tmp.path(),
        "deep.json",
        format!("{}1{}\n", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
    );
    let r = run_in(
        tmp.path(),
        &["check", "flow.yaml", "deep.json", "--format", "json"],
    );
    assert_no_crash(&r);
    let f = found(&r);
    assert_eq!(f.len(), 2, "{r:?}");
    assert!(f.iter().all(|(id, ..)| id == "AKL003"), "{r:?}");
}

#[test]
fn alias_bomb_is_akl003() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n");
    s.push_str(
        "  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in "bcdefghi".chars() {
        s.push_str(&format!(
            "  {c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = c;
    }
    write(tmp.path(), "bomb.yaml", s);
    let started = std::time::Instant::now();
    let r = run_in(tmp.path(), &["check", "bomb.yaml", "--format", "json"]);
    assert_no_crash(&r);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(ids(&r), ["AKL003"], "{r:?}");
    assert!(r.stdout.contains("alias"), "{r:?}");
    assert!(
        started.elapsed().as_secs() < 10,
        "alias bomb took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------- 6. selection, statistics

#[test]
fn select_prefix_keeps_the_group_and_linter_findings() {
    let r = run(&[
        "check",
        "--select",
        "POD",
        "--format",
        "json",
        &fx("findings.yaml"),
        &fx("syntax-error.yaml"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let got = ids(&r);
    assert!(got.contains(&"POD001".to_string()), "{r:?}");
    assert!(
        got.contains(&"AKL001".to_string()),
        "parse errors are always reported: {r:?}"
    );
    assert!(
        got.iter()
            .all(|id| id.starts_with("POD") || id.starts_with("AKL")),
        "{r:?}"
    );

    // Lower case and comma lists.
    let r = run(&[
        "check",
        "--select",
        "rbac001,POD001",
        "--format",
        "json",
        &fx("findings.yaml"),
    ]);
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["POD001", "RBAC001"], "{r:?}");
}

#[test]
fn ignore_drops_one_policy() {
    let all = run(&["check", "--format", "json", &fx("findings.yaml")]);
    let r = run(&[
        "check",
        "--ignore",
        "RBAC001",
        "--format",
        "json",
        &fx("findings.yaml"),
    ]);
    let mut expected: Vec<String> = ids(&all).into_iter().filter(|i| i != "RBAC001").collect();
    expected.sort();
    let mut got = ids(&r);
    got.sort();
    assert!(ids(&all).contains(&"RBAC001".to_string()));
    assert_eq!(got, expected, "{r:?}");
    assert!(got.contains(&"POD001".to_string()));
    // Ignoring what is found leaves a clean run.
    let r = run(&["check", "--ignore", "RBAC", &fx("rbac-only.yaml")]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn statistics_prints_per_policy_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = std::fs::read_to_string(root().join(fx("findings.yaml"))).unwrap();
    write(d, "a.yaml", &text);
    write(d, "b.yaml", &text);
    let r = run_in(
        d,
        &[
            "check",
            ".",
            "--select",
            "POD001,RBAC001",
            "--format",
            "concise",
            "--statistics",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let row = |id: &str| {
        r.stdout
            .lines()
            .find(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.len() >= 5 && w[0].parse::<u32>().is_ok() && w[2] == id
            })
            .unwrap_or_else(|| panic!("no statistics row for {id}: {r:?}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("POD001")[0], "2", "{r:?}");
    assert_eq!(row("POD001")[3], "critical", "{r:?}");
    assert_eq!(row("RBAC001")[0], "2", "{r:?}");
    assert_eq!(row("RBAC001")[3], "high", "{r:?}");
    // Machine formats keep stdout clean: the table goes to stderr.
    let r = run_in(
        d,
        &[
            "check",
            ".",
            "--select",
            "POD001",
            "--format",
            "json",
            "--statistics",
        ],
    );
    r.json();
    assert!(r.stderr.contains("POD001"), "{r:?}");
}

// ---------------------------------------------------------------- 7. Helm

#[test]
fn helm_render_findings_point_at_their_template() {
    let r = run(&["check", "--format", "json", &fx("helm-render.yaml")]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "POD001")
        .unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(f["path"], fx("helm-render.yaml"));
    assert_eq!(f["start"]["line"], 24);
    assert_eq!(f["resource"]["kind"], "Deployment");
    let related: Vec<&str> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(related, ["mychart/templates/deployment.yaml"], "{f}");
}

// ---------------------------------------------------------------- 9. subcommands

#[test]
fn rules_table_lists_the_policies() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0, "{r:?}");
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("POD001 "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        row.contains("critical") && row.contains("privileged-container"),
        "{row}"
    );
    assert!(r.stdout.lines().any(|l| l.starts_with("RBAC001 ")), "{r:?}");
}

#[test]
fn rules_json_parses() {
    let r = run(&["rules", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    let pod = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "POD001")
        .expect("POD001 listed");
    assert_eq!(pod["severity"], "critical");
    assert_eq!(pod["area"], "workload");
    assert_eq!(pod["name"], "privileged-container");
}

#[test]
fn rules_markdown_groups_by_area() {
    let r = run(&["rules", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "## workload"), "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "## rbac"), "{r:?}");
    assert!(r.stdout.contains("### POD001"), "{r:?}");
}

#[test]
fn explain_prints_the_policy_docs() {
    let r = run(&["explain", "POD001"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with("# POD001 privileged-container"),
        "{r:?}"
    );
    assert!(r.stdout.contains("## What it does"), "{r:?}");
    assert!(r.stdout.contains("## How to fix"), "{r:?}");
    let lower = run(&["explain", "pod001"]);
    assert_eq!(lower.stdout, r.stdout);
}

#[test]
fn explain_unknown_id_exits_2() {
    let r = run(&["explain", "NOPE"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("NOPE"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn policy_schema_prints_json_schema() {
    let r = run(&["policy", "schema"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{r:?}");
    assert!(v["$schema"].as_str().unwrap().contains("json-schema.org"));
    // It is a usable schema: a valid policy passes, a typo'd key fails.
    let validator = jsonschema::validator_for(&v).expect("the policy schema compiles");
    let good = serde_json::json!({
        "id": "CLI001", "name": "x", "area": "workload", "severity": "low", "title": "t",
        "message": "m", "help": "h.",
        "checks": [{"on": "kubernetes Pod", "forbid": {"path": "spec.hostPID", "equals": true}}],
    });
    let errors: Vec<String> = validator
        .iter_errors(&good)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut bad = good;
    bad["chekcs"] = serde_json::json!([]);
    assert!(!validator.is_valid(&bad));
}

#[test]
fn completions_bash_prints_a_script() {
    let r = run(&["completions", "bash"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("_akslint()"), "{r:?}");
    assert!(r.stdout.contains("complete "), "{r:?}");
    for sub in ["check", "rules", "explain"] {
        assert!(r.stdout.contains(sub), "{sub}");
    }
}

const CUSTOM_POLICY: &str = "id: CLI001
name: pod-security-context-set
area: workload
severity: low
title: Pod sets a pod-level securityContext
message: \"{kind} `{name}` sets a pod-level securityContext\"
help: A test policy for the command-line tests.
docs: |
  ## What it does
  Test policy.
checks:
  - on: kubernetes workload
    forbid: {path: $pod.spec.securityContext, exists: true}
";

const CUSTOM_PASS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: ok
spec:
  containers:
    - name: app
      image: nginx:1.25
";

const CUSTOM_FAIL: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  securityContext: # expect: CLI001
    runAsNonRoot: true
  containers:
    - name: app
      image: nginx:1.25
";

/// The layout `akslint policy test --help` documents: DIR/<ID>.yaml, DIR/testdata/<ID>/.
#[test]
fn policy_test_runs_fixtures_in_dir_testdata() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "custom/CLI001.yaml", CUSTOM_POLICY);
    write(d, "custom/testdata/CLI001/pass.yaml", CUSTOM_PASS);
    write(d, "custom/testdata/CLI001/fail.yaml", CUSTOM_FAIL);
    let r = run_in(d, &["policy", "test", "custom"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "2 passed, 0 failed"), "{r:?}");

    write(
        d,
        "custom/testdata/CLI001/fail.yaml",
        CUSTOM_FAIL
            .replace("# expect: CLI001", "")
            .replace("  name: app", "  name: app # expect: CLI001"),
    );
    let r = run_in(d, &["policy", "test", "custom"]);
    assert_eq!(r.code, 1, "{r:?}");
}

/// The other documented layout: DIR/<ID>.yaml with fixtures in DIR/../testdata/policies/<ID>/.
#[test]
fn policy_test_runs_custom_fixtures_and_fails_on_a_wrong_expectation() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "policies/CLI001.yaml", CUSTOM_POLICY);
    write(d, "testdata/policies/CLI001/pass.yaml", CUSTOM_PASS);
    write(d, "testdata/policies/CLI001/fail.yaml", CUSTOM_FAIL);
    let r = run_in(d, &["policy", "test", "policies"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "2 passed, 0 failed"), "{r:?}");
    assert!(r.stdout.contains("CLI001"), "{r:?}");

    // The policy is usable with `check --policies` too.
    let r = run_in(
        d,
        &[
            "check",
            "--policies",
            "policies",
            "--select",
            "CLI001",
            "--format",
            "concise",
            "testdata/policies/CLI001",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        [
            "testdata/policies/CLI001/fail.yaml:6:3: LOW CLI001 Pod `bad` sets a pod-level securityContext"
        ],
        "{r:?}"
    );

    // Expectation on the wrong line.
    let wrong = CUSTOM_FAIL
        .replace("  securityContext: # expect: CLI001", "  securityContext:")
        .replace(
            "    runAsNonRoot: true",
            "    runAsNonRoot: true # expect: CLI001",
        );
    write(d, "testdata/policies/CLI001/fail.yaml", wrong);
    let r = run_in(d, &["policy", "test", "policies"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "1 passed, 1 failed"), "{r:?}");
    assert!(r.stdout.contains("FAIL"), "{r:?}");

    // A pass fixture that does fail.
    write(d, "testdata/policies/CLI001/fail.yaml", CUSTOM_FAIL);
    write(
        d,
        "testdata/policies/CLI001/pass.yaml",
        CUSTOM_FAIL.replace("# expect: CLI001", ""),
    );
    let r = run_in(d, &["policy", "test", "policies"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.lines().any(|l| l == "1 passed, 1 failed"), "{r:?}");
}

// ---------------------------------------------------------------- robustness of the CLI itself

/// `akslint ... | head` closes the pipe early: that is not an error (exit 0, nothing on stderr),
/// and never a panic.
#[test]
fn closed_stdout_is_not_an_error() {
    for args in [
        vec![
            "check",
            "testdata/cli/findings.yaml",
            "--format",
            "json",
            "--exit-zero",
        ],
        vec!["rules", "--format", "json"],
        vec!["policy", "schema"],
        vec!["completions", "bash"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(&root())
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let r = finish(out);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert!(r.stderr.is_empty(), "{args:?}: {r:?}");
    }
}

#[test]
fn explicitly_named_extensionless_files_are_read_only_when_they_hold_kubernetes_objects() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config",
        "apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      token: abc\n",
    );
    write(dir.path(), "Makefile", "all:\n\tcargo build\n");
    let r = run_in(
        dir.path(),
        &[
            "check", "config", "Makefile", "--format", "concise", "--select", "SEC009",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.lines(),
        vec!["config:6:14: CRITICAL SEC009 kubeconfig holds a credential at `users[0].user.token`"]
    );
    assert!(r.stderr.contains("skipped Makefile"), "{r:?}");
    assert!(!r.stdout.contains("AKL001"));
}
