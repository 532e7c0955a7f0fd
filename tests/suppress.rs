//! Suppressions, AKL002, `.akslint.yaml` and baselines through the real binary.

mod common;

use std::path::Path;

use common::{Run, run_in, write};
use serde_json::Value;

/// (id, line) of every finding of a JSON report.
fn found(r: &Run) -> Vec<(String, u64)> {
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn json(dir: &Path, args: &[&str]) -> Run {
    let mut a = vec!["check", "--no-config", "--format", "json"];
    a.extend_from_slice(args);
    run_in(dir, &a)
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true # akslint-ignore POD001 reason: needs raw sockets until: 2999-12-31
        # akslint-ignore POD006 reason: host networking for the CNI probe
        hostNetwork: true
";

#[test]
fn inline_comments_on_the_line_or_above_and_file_level() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let r = json(dir.path(), &["--select", "POD001,POD006,AKL", "pod.yaml"]);
    // POD001 silenced on its line; the POD006 comment is above a line without a POD006
    // finding (hostNetwork sits in the container here, which is not where POD006 looks).
    assert!(!found(&r).contains(&("POD001".into(), 10)), "{r:?}");
    assert_eq!(r.code, 1, "{r:?}");

    let file_level = format!("# akslint-ignore-file POD001 reason: lab cluster\n{POD}");
    write(dir.path(), "lab.yaml", &file_level);
    let r = json(dir.path(), &["--select", "POD001", "lab.yaml"]);
    assert!(found(&r).is_empty(), "{r:?}");
    assert_eq!(r.code, 0);
}

#[test]
fn akl002_for_missing_reason_expired_unknown_and_unused() {
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        # akslint-ignore POD001
        privileged: true
        allowPrivilegeEscalation: true # akslint-ignore POD002 reason: old until: 2000-01-01
        runAsNonRoot: true # akslint-ignore POD999 reason: typo
        readOnlyRootFilesystem: true # akslint-ignore POD008 reason: fixed long ago
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", text);
    let r = json(
        dir.path(),
        &["--select", "POD001,POD002,POD008,AKL", "pod.yaml"],
    );
    let f = found(&r);
    let akl: Vec<u64> = f.iter().filter(|x| x.0 == "AKL002").map(|x| x.1).collect();
    // 10: no reason (it still silences POD001); 12: expired (POD002 is reported again);
    // 13: unknown id; 14: silences nothing.
    assert_eq!(akl, [10, 12, 13, 14], "{r:?}");
    assert!(!f.contains(&("POD001".into(), 11)), "{r:?}");
    assert!(f.contains(&("POD002".into(), 12)), "{r:?}");
    let messages = r.stdout;
    assert!(messages.contains("has no reason"), "{messages}");
    assert!(messages.contains("expired on 2000-01-01"), "{messages}");
    assert!(messages.contains("unknown policy id POD999"), "{messages}");
    assert!(messages.contains("suppresses nothing"), "{messages}");
}

#[test]
fn annotations_cover_the_pod_template_and_arm_metadata_the_resource() {
    let deploy = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  annotations:
    akslint.io/ignore: POD001,POD007
    akslint.io/ignore-reason: node agent reads host logs
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: myacr.azurecr.io/agent@sha256:0000000000000000000000000000000000000000000000000000000000000000
          securityContext:
            privileged: true
      volumes:
        - name: logs
          hostPath: {path: /var/log}
";
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "acr1",
      "metadata": {
        "akslint.io/ignore": "SEC006",
        "akslint.io/ignore-reason": "legacy push job, removed in Q3"
      },
      "properties": {
        "adminUserEnabled": true
      }
    }
  ]
}
"#;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", deploy);
    write(dir.path(), "acr.json", template);
    let r = json(dir.path(), &["--select", "POD001,POD007,SEC006,AKL", "."]);
    assert!(found(&r).is_empty(), "{r:?}");
    // SARIF keeps them, marked as suppressed in source with the reason.
    let s = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD001,POD007,SEC006",
            "--format",
            "sarif",
            ".",
        ],
    );
    assert_eq!(s.code, 0, "{s:?}");
    let sarif: Value = serde_json::from_str(&s.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{}", s.stdout);
    for res in results {
        assert_eq!(res["suppressions"][0]["kind"], "inSource", "{res}");
    }
    assert!(s.stdout.contains("legacy push job"), "{}", s.stdout);
    // --show-suppressed shows them, marked, without changing the exit code.
    let shown = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "SEC006",
            "--format",
            "concise",
            "--show-suppressed",
            ".",
        ],
    );
    assert_eq!(shown.code, 0, "{shown:?}");
    assert!(
        shown
            .stdout
            .contains("[suppressed: legacy push job, removed in Q3]"),
        "{shown:?}"
    );
}

#[test]
fn configuration_keys_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    write(dir.path(), "vendor/pod.yaml", POD);
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [POD001, POD002]\nseverity:\n  POD002: low\nfail-on: medium\nexclude: ['vendor/**']\nper-file-ignores:\n  'pod.yaml': [POD002]\n",
    );
    // Found from a subdirectory upward; POD001 suppressed inline, POD002 ignored for
    // pod.yaml, vendor/ excluded: nothing left.
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    let r = run_in(
        &dir.path().join("sub"),
        &["check", "--format", "json", ".."],
    );
    assert!(found(&r).is_empty(), "{r:?}");
    // Without the per-file ignore POD002 comes back as low, under fail-on medium: exit 0.
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [POD002]\nseverity:\n  POD002: low\nfail-on: medium\n",
    );
    let r = run_in(dir.path(), &["check", "--format", "json", "pod.yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["findings"][0]["severity"], "low", "{r:?}");
    // Flags override the file.
    let r = run_in(dir.path(), &["check", "--fail-on", "low", "pod.yaml"]);
    assert_eq!(r.code, 1, "{r:?}");
    // An unknown key is an error naming the file and line.
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [POD001]\nfail_on: high\n",
    );
    let r = run_in(dir.path(), &["check", "pod.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("unknown key `fail_on`"), "{r:?}");
    assert!(r.stderr.contains(".akslint.yaml:2:1"), "{r:?}");
    // --config names another file; --no-config ignores them.
    write(dir.path(), "other.yaml", "select: [POD006]\n");
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--config",
            "other.yaml",
            "--format",
            "json",
            "pod.yaml",
        ],
    );
    // (The POD006 comment of the fixture silences nothing: AKL002.)
    assert_eq!(found(&r), [("AKL002".to_string(), 11)], "{r:?}");
    let r = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "pod.yaml"],
    );
    assert!(found(&r).len() > 3, "{r:?}");
}

#[test]
fn config_ignore_resources_silence_terraform_addresses() {
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"child_modules": [{"address": "module.legacy", "resources": [
    {"address": "module.legacy.azurerm_container_registry.acr", "mode": "managed", "type": "azurerm_container_registry", "name": "acr",
     "values": {"name": "acr1", "admin_enabled": true}}
  ]}], "resources": [
    {"address": "azurerm_container_registry.new", "mode": "managed", "type": "azurerm_container_registry", "name": "new",
     "values": {"name": "acr2", "admin_enabled": true}}
  ]}}
}
"#;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "plan.json", plan);
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [SEC006]\nignore-resources:\n  - resource: 'module.legacy.*'\n    ids: [SEC006]\n    reason: decommissioned in January\n  - resource: 'module.gone.*'\n    ids: [SEC006]\n    reason: nothing left there\n",
    );
    let r = run_in(dir.path(), &["check", "--format", "json", "plan.json"]);
    let f = r.json();
    let list = f["findings"].as_array().unwrap();
    let summary: Vec<(String, String)> = list
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().into(),
                x["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    // The module's registry is silenced; the root one is not; the unused entry is AKL002 in
    // the configuration file.
    assert_eq!(
        summary,
        [
            ("AKL002".to_string(), ".akslint.yaml".to_string()),
            ("SEC006".to_string(), "plan.json".to_string())
        ],
        "{r:?}"
    );
    assert_eq!(list[0]["start"]["line"], 6, "{r:?}");
}

#[test]
fn baselines_hide_known_findings_and_survive_unrelated_edits() {
    let two = "apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: b
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext: {privileged: true}
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pods.yaml", two);
    let w = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD001",
            "--write-baseline",
            "baseline.json",
            ".",
        ],
    );
    assert_eq!(w.code, 0, "{w:?}");
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(base["findings"].as_array().unwrap().len(), 2);
    let check = |d: &Path| {
        json(
            d,
            &[
                "--select",
                "POD001",
                "--baseline",
                "baseline.json",
                "pods.yaml",
            ],
        )
    };
    assert!(found(&check(dir.path())).is_empty());
    // Hidden, not lost: SARIF carries them as suppressed (code scanning shows them dismissed)
    // and --show-suppressed shows them marked, like every other suppression channel.
    let sarif = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD001",
            "--baseline",
            "baseline.json",
            "--format",
            "sarif",
            "pods.yaml",
        ],
    );
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif:?}");
    for r in results {
        assert_eq!(
            r["suppressions"][0]["justification"], "in the baseline baseline.json",
            "{r}"
        );
        assert_eq!(r["suppressions"][0]["kind"], "external", "{r}");
    }
    let shown = json(
        dir.path(),
        &[
            "--select",
            "POD001",
            "--baseline",
            "baseline.json",
            "--show-suppressed",
            "pods.yaml",
        ],
    );
    assert_eq!(found(&shown).len(), 2, "{shown:?}");
    assert!(
        shown
            .stdout
            .contains("[suppressed: in the baseline baseline.json]"),
        "{shown:?}"
    );

    // Lines move (a comment and a new object first): still known.
    let moved = format!(
        "# team: payments\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {{a: b}}\n---\n{two}"
    );
    write(dir.path(), "pods.yaml", &moved);
    let r = check(dir.path());
    assert!(found(&r).is_empty(), "{r:?}");
    // A new privileged pod is new; renaming pod `b` makes its finding new too.
    let changed = format!(
        "{}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: c\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      securityContext: {{privileged: true}}\n",
        moved.replace("name: b", "name: b2")
    );
    write(dir.path(), "pods.yaml", &changed);
    let r = check(dir.path());
    assert_eq!(found(&r).len(), 2, "{r:?}");
    assert!(
        r.stdout.contains("`b2`") && r.stdout.contains("`c`"),
        "{r:?}"
    );

    // A broken baseline is an error, not a silent pass.
    write(dir.path(), "baseline.json", "{}");
    let r = check(dir.path());
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn per_file_ignores_mark_findings_and_a_bad_glob_fails_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n";
    write(dir.path(), "legacy/pod.yaml", pod);
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [POD001]\nper-file-ignores:\n  'legacy/**': [POD001]\n",
    );
    // Not reported, but in SARIF as suppressed (external), with the reason.
    let r = run_in(dir.path(), &["check", "--format", "sarif", "."]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc = r.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{doc}");
    assert_eq!(results[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        results[0]["suppressions"][0]["justification"],
        "per-file-ignores `legacy/**` in .akslint.yaml"
    );
    let r = run_in(
        dir.path(),
        &["check", "--format", "concise", "--show-suppressed", "."],
    );
    assert!(
        r.stdout
            .contains("[suppressed: per-file-ignores `legacy/**` in .akslint.yaml]"),
        "{r:?}"
    );

    // A bad glob is a configuration error at its line, before anything is linted.
    write(
        dir.path(),
        ".akslint.yaml",
        "select: [POD001]\nper-file-ignores:\n  'legacy/[': [POD001]\n",
    );
    let r = run_in(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr
            .contains("per-file-ignores: invalid glob `legacy/[`"),
        "{r:?}"
    );
    assert!(r.stderr.contains(".akslint.yaml:3"), "{r:?}");
}
