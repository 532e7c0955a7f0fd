//! Helm-rendered findings land on the chart template's lines when the chart is on disk.

mod common;

use common::{Run, run_in, write};
use serde_json::Value;

fn findings(r: &Run) -> Vec<Value> {
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    r.json()["findings"].as_array().cloned().unwrap_or_default()
}

fn at(f: &Value) -> (String, u64, u64) {
    (
        f["path"].as_str().unwrap().to_string(),
        f["start"]["line"].as_u64().unwrap(),
        f["start"]["column"].as_u64().unwrap(),
    )
}

#[test]
fn findings_land_on_template_lines_with_the_rendered_line_related() {
    let root = common::root().join("testdata/cli/helm-chart");
    let r = run_in(
        &root,
        &[
            "check",
            "--no-config",
            "--select",
            "POD001,POD010,POD011",
            "--format",
            "json",
            "rendered.yaml",
        ],
    );
    let f = findings(&r);
    let places: Vec<(String, u64, u64)> = f.iter().map(at).collect();
    assert_eq!(
        places,
        [
            ("mychart/templates/deployment.yaml".to_string(), 16, 11), // image: "{{ .Values.image }}"
            ("mychart/templates/deployment.yaml".to_string(), 18, 13), // privileged: {{ ... }}
            ("mychart/templates/deployment.yaml".to_string(), 19, 11), // resources: (limits absent)
        ],
        "{r:?}"
    );
    let rendered = &f[1]["related"][0];
    assert_eq!(rendered["path"], "rendered.yaml");
    assert_eq!(rendered["start"]["line"], 20);
    // SARIF: the template is the primary location.
    let s = run_in(
        &root,
        &[
            "check",
            "--no-config",
            "--select",
            "POD001",
            "--format",
            "sarif",
            "rendered.yaml",
        ],
    );
    let sarif: Value = serde_json::from_str(&s.stdout).unwrap();
    let loc = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "mychart/templates/deployment.yaml"
    );
    assert_eq!(loc["region"]["startLine"], 18);
}

#[test]
fn values_rendered_by_expressions_map_to_the_expression_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        {{- toYaml .Values.securityContext | nindent 8 }}\n",
    );
    write(
        dir.path(),
        "out/rendered.yaml",
        "---\n# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        privileged: true\n",
    );
    // The chart is found from the rendered file's directory upward, and with --helm-chart.
    for extra in [&[][..], &["--helm-chart", "chart"][..]] {
        let mut args = vec![
            "check",
            "--no-config",
            "--select",
            "POD001",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        args.push("out/rendered.yaml");
        let r = run_in(dir.path(), &args);
        assert_eq!(
            findings(&r).iter().map(at).collect::<Vec<_>>(),
            [("chart/templates/pod.yaml".to_string(), 10, 9)],
            "{r:?}"
        );
    }
}

#[test]
fn without_the_chart_findings_stay_on_the_rendered_file() {
    let dir = tempfile::tempdir().unwrap();
    let rendered =
        std::fs::read_to_string(common::root().join("testdata/cli/helm-chart/rendered.yaml"))
            .unwrap();
    write(dir.path(), "rendered.yaml", &rendered);
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD001",
            "--format",
            "json",
            "rendered.yaml",
        ],
    );
    let f = findings(&r);
    assert_eq!(at(&f[0]), ("rendered.yaml".to_string(), 20, 25), "{r:?}");
    assert_eq!(
        f[0]["related"][0]["path"],
        "mychart/templates/deployment.yaml"
    );
}

#[test]
fn suppression_comments_in_the_template_work_through_the_render() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        # akslint-ignore POD001 reason: CNI installer\n        privileged: true\n",
    );
    // helm template keeps comments.
    write(
        dir.path(),
        "rendered.yaml",
        "---\n# Source: c/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        # akslint-ignore POD001 reason: CNI installer\n        privileged: true\n",
    );
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD001,AKL",
            "--format",
            "json",
            "rendered.yaml",
        ],
    );
    assert!(findings(&r).is_empty(), "{r:?}");
}

#[test]
fn chart_templates_are_not_linted_as_yaml() {
    let root = common::root().join("testdata/cli/helm-chart");
    let r = run_in(&root, &["check", "--no-config", "--format", "json", "."]);
    let f = findings(&r);
    assert!(!f.is_empty(), "{r:?}");
    assert!(f.iter().all(|x| x["id"] != "AKL001"), "{r:?}");
    // Named explicitly, a template is skipped with a notice, not an error.
    let r = run_in(
        &root,
        &["check", "--no-config", "mychart/templates/deployment.yaml"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("skipped mychart/templates/deployment.yaml"),
        "{r:?}"
    );
}

/// A key with dots (a label name) is one key: the template line of a finding on
/// `metadata.labels["pod-security.kubernetes.io/enforce"]` is found like any other. Before,
/// the path was split on every `.`, no template line matched and the finding stayed on the
/// rendered file.
#[test]
fn findings_on_keys_with_dots_land_on_the_template_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    );
    write(
        dir.path(),
        "chart/templates/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n  labels:\n    team: shop\n    pod-security.kubernetes.io/enforce: privileged\n",
    );
    write(
        dir.path(),
        "rendered.yaml",
        "---\n# Source: chart/templates/ns.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: shop\n    pod-security.kubernetes.io/enforce: privileged\n",
    );
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--select",
            "POD014",
            "--format",
            "json",
            "--helm-chart",
            "chart",
            "rendered.yaml",
        ],
    );
    assert_eq!(
        findings(&r).iter().map(at).collect::<Vec<_>>(),
        [("chart/templates/ns.yaml".to_string(), 7, 5)],
        "{r:?}"
    );
}
