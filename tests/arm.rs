//! ARM templates through the real binary: evaluation, parameters files, nested deployments,
//! locations. A test policy (TST001: local accounts must be disabled) keeps these tests
//! independent of the built-in pack.

mod common;

use std::path::Path;

use common::{Run, run_in, run_stdin, write};
use serde_json::Value;

const POLICY: &str = r#"id: TST001
name: test-local-accounts
area: auth
severity: high
title: test
message: "cluster `{name}` has local accounts ({value})"
help: Disable them.
docs: |
  ## What it does
  x
  ## Why it matters
  x
  ## How to fix
  x
checks:
  - on: arm Microsoft.ContainerService/managedClusters
    require: {path: properties.disableLocalAccounts, equals: true}
  - on: arm Microsoft.ContainerService/managedClusters/agentPools
    message: "pool `{name}` is public"
    forbid: {path: properties.enableNodePublicIP, equals: true}
"#;

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pol/TST001.yaml", POLICY);
    for (name, text) in files {
        write(dir.path(), name, text.replace("SCHEMA", SCHEMA));
    }
    dir
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--policies",
        "pol",
        "--select",
        "TST001",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// (id, path, line, message) of every finding.
fn found(r: &Run) -> Vec<(String, String, u64, String)> {
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn related(r: &Run) -> Vec<Value> {
    r.json()["findings"][0]["related"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

const CLUSTER_FROM_PARAM: &str = r#"{
  "$schema": "SCHEMA",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "disableLocal": {
      "type": "bool",
      "defaultValue": false
    }
  },
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "aks1",
      "location": "westeurope",
      "properties": {
        "disableLocalAccounts": "[parameters('disableLocal')]"
      }
    }
  ]
}
"#;

#[test]
fn a_value_from_a_parameter_default_points_at_the_default_with_the_resource_related() {
    let dir = setup(&[("main.json", CLUSTER_FROM_PARAM)]);
    let r = check(dir.path(), &["main.json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        found(&r),
        [(
            "TST001".into(),
            "main.json".into(),
            7,
            "cluster `aks1` has local accounts (false)".into()
        )]
    );
    let rel = related(&r);
    assert_eq!(rel[0]["path"], "main.json");
    assert_eq!(rel[0]["start"]["line"], 12, "{rel:?}");
}

#[test]
fn each_parameters_file_is_its_own_evaluation_and_points_into_that_file() {
    let dir = setup(&[
        ("main.json", CLUSTER_FROM_PARAM),
        (
            "main.parameters.json",
            "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {\n    \"disableLocal\": {\"value\": true}\n  }\n}\n",
        ),
        (
            "main.parameters.dev.json",
            "{\n  \"parameters\": {\n    \"disableLocal\": {\n      \"value\": false\n    }\n  }\n}\n",
        ),
    ]);
    // The directory walk reads the parameters files with their template, not as inputs.
    let r = check(dir.path(), &["."]);
    assert_eq!(
        found(&r),
        [(
            "TST001".into(),
            "main.parameters.dev.json".into(),
            4,
            "cluster `aks1` has local accounts (false)".into()
        )],
        "{r:?}"
    );
    // Human output shows the parameters file's line.
    let h = run_in(
        dir.path(),
        &["check", "--policies", "pol", "--select", "TST001", "."],
    );
    assert!(h.stdout.contains("main.parameters.dev.json:4:"), "{h:?}");
    assert!(h.stdout.contains("\"value\": false"), "{h:?}");

    // --arm-parameters binds explicitly, replacing the files found beside the template.
    let r = check(
        dir.path(),
        &["--arm-parameters", "main.parameters.json", "main.json"],
    );
    assert!(found(&r).is_empty(), "{r:?}");
}

#[test]
fn a_broken_parameters_file_is_a_parse_error_and_the_template_still_evaluates() {
    let dir = setup(&[
        ("main.json", CLUSTER_FROM_PARAM),
        ("main.parameters.json", "{\n  \"parameters\": {\n"),
    ]);
    let r = check(dir.path(), &["main.json"]);
    let f = found(&r);
    assert!(
        f.iter()
            .any(|x| x.0 == "AKL001" && x.1 == "main.parameters.json"),
        "{r:?}"
    );
}

#[test]
fn key_vault_references_and_required_parameters_are_unknown() {
    let tpl = CLUSTER_FROM_PARAM.replace(",\n      \"defaultValue\": false", "");
    let dir = setup(&[
        ("main.json", &tpl),
        (
            "main.parameters.json",
            r#"{"parameters": {"disableLocal": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}}}}"#,
        ),
        ("other.json", &tpl),
    ]);
    let r = check(dir.path(), &["main.json", "other.json", "--statistics"]);
    assert!(found(&r).is_empty(), "{r:?}");
    assert_eq!(r.code, 0);
}

#[test]
fn conditions_existing_copy_loops_and_child_resources() {
    let tpl = r#"{
  "$schema": "SCHEMA",
  "parameters": {
    "deploy": {"type": "bool", "defaultValue": false},
    "names": {"type": "array", "defaultValue": ["a", "b"]}
  },
  "resources": [
    {
      "condition": "[parameters('deploy')]",
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "skipped",
      "properties": {"disableLocalAccounts": false}
    },
    {
      "existing": true,
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "referenced",
      "properties": {}
    },
    {
      "copy": {"name": "clusters", "count": "[length(parameters('names'))]"},
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "[format('aks-{0}', parameters('names')[copyIndex()])]",
      "properties": {
        "disableLocalAccounts": "[equals(copyIndex(), 1)]"
      },
      "resources": [
        {
          "type": "agentPools",
          "apiVersion": "2024-05-01",
          "name": "pool",
          "properties": {"enableNodePublicIP": "[equals(copyIndex(), 0)]"}
        }
      ]
    }
  ]
}
"#;
    let dir = setup(&[("main.json", tpl)]);
    let r = check(dir.path(), &["main.json"]);
    let f = found(&r);
    let messages: Vec<&str> = f.iter().map(|x| x.3.as_str()).collect();
    assert_eq!(
        messages,
        [
            "cluster `aks-a` has local accounts (false)",
            "pool `aks-a/pool` is public"
        ],
        "{r:?}"
    );
    // The skipped cluster is named, never dropped silently.
    assert_eq!(r.json()["summary"]["not_deployed"], 1, "{r:?}");
    let human = run_in(
        dir.path(),
        &[
            "check",
            "--policies",
            "pol",
            "--select",
            "TST001",
            "--statistics",
            "main.json",
        ],
    );
    assert!(
        human
            .stdout
            .contains("1 resource not deployed with these parameters (condition false;"),
        "{human:?}"
    );
    assert!(
        human.stdout.contains(
            "main.json:9:20: Microsoft.ContainerService/managedClusters skipped (template defaults)"
        ),
        "{human:?}"
    );
    // With parameters that deploy it, it is linted.
    write(
        dir.path(),
        "deploy.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"deploy": {"value": true}}}"#,
    );
    let with = check(
        dir.path(),
        &["main.json", "--arm-parameters", "deploy.json"],
    );
    assert_eq!(found(&with).len(), 3, "{with:?}");
    assert_eq!(with.json()["summary"]["not_deployed"], 0, "{with:?}");
}

#[test]
fn expressions_azure_rejects_are_akl001_at_their_string_and_only_that_value_is_unknown() {
    // Each cluster has one property ARM would reject; `disableLocalAccounts: false` beside it
    // must still be linted (only the rejected value is unknown, never its object).
    let cases = [
        (
            "[lenght(parameters('names'))]",
            "`lenght` is not an ARM template function",
        ),
        (
            "[length(parameters('names'), 1)]",
            "`length` takes 1 argument, not 2",
        ),
        ("[length(3)]", "`length` cannot take a number as argument 1"),
        (
            "[int('abc')]",
            "`int` cannot convert the string `abc` to an integer",
        ),
        (
            "[parameters('settings').missing]",
            "property `missing` does not exist; available: tier",
        ),
        (
            "[parameters('names')[5]]",
            "index 5 is out of bounds of an array of 2 elements",
        ),
        (
            "[parameters('nope')]",
            "the template declares no parameter `nope`",
        ),
        (
            "[variables('nope')]",
            "the template declares no variable `nope`",
        ),
        (
            "[parameters('names').length]",
            "property `length` cannot be read from an array",
        ),
        ("[not('yes')]", "`not` cannot take a string as argument 1"),
    ];
    for (expr, why) in cases {
        let tpl = format!(
            r#"{{
  "$schema": "SCHEMA",
  "parameters": {{
    "names": {{"type": "array", "defaultValue": ["a", "b"]}},
    "settings": {{"type": "object", "defaultValue": {{"tier": "Free"}}}}
  }},
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "aks",
      "properties": {{
        "kubernetesVersion": "{expr}",
        "disableLocalAccounts": false
      }}
    }}
  ]
}}
"#
        );
        let dir = setup(&[("main.json", &tpl)]);
        let mut args = vec![
            "check",
            "--policies",
            "pol",
            "--select",
            "TST001,AKL001",
            "--format",
            "json",
            "main.json",
        ];
        let r = run_in(dir.path(), &args);
        let f = found(&r);
        assert_eq!(f.len(), 2, "{expr}: {r:?}");
        assert_eq!((f[0].0.as_str(), f[0].2), ("AKL001", 13), "{expr}: {r:?}");
        assert!(
            f[0].3 == format!("Azure Resource Manager rejects this expression: {why}")
                || f[0].3.starts_with(&format!(
                    "Azure Resource Manager rejects this expression: {why} "
                )),
            "{expr}: {}",
            f[0].3
        );
        assert_eq!((f[1].0.as_str(), f[1].2), ("TST001", 14), "{expr}: {r:?}");
        args.clear();
    }
    // What ARM never evaluates is never rejected: the untaken branch of an `if`, an `if`
    // whose condition is unknown, `or` after an undecided argument, a safe dereference.
    for expr in [
        "[if(false(), lenght(1), 'x')]",
        "[if(equals(reference('x').a, 1), parameters('names')[9], 'x')]",
        "[or(equals(reference('x').a, 1), parameters('names')[9])]",
        "[parameters('settings').?missing]",
    ] {
        let tpl = format!(
            r#"{{"$schema": "SCHEMA", "parameters": {{"names": {{"type": "array", "defaultValue": ["a"]}}, "settings": {{"type": "object", "defaultValue": {{}}}}}},
  "resources": [{{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": "aks",
    "properties": {{"kubernetesVersion": "{expr}", "disableLocalAccounts": true}}}}]}}"#
        );
        let dir = setup(&[("main.json", &tpl)]);
        let r = run_in(
            dir.path(),
            &[
                "check",
                "--policies",
                "pol",
                "--select",
                "TST001,AKL001",
                "--format",
                "json",
                "main.json",
            ],
        );
        assert!(found(&r).is_empty(), "{expr}: {r:?}");
    }
}

#[test]
fn an_unnamed_copy_index_in_a_property_loop_reads_the_resource_loop() {
    let tpl = r#"{
  "$schema": "SCHEMA",
  "parameters": {"pools": {"type": "array", "defaultValue": [["p0"], ["p1a", "p1b"]]}},
  "resources": [
    {
      "copy": {"name": "clusters", "count": 2},
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "[format('aks{0}', copyIndex())]",
      "properties": {
        "disableLocalAccounts": true,
        "copy": [{"name": "agentPoolProfiles", "count": "[length(parameters('pools')[copyIndex()])]",
                  "input": {"name": "[parameters('pools')[copyIndex()][copyIndex('agentPoolProfiles')]]"}}]
      }
    }
  ]
}
"#;
    let dir = setup(&[("main.json", tpl)]);
    let r = run_in(dir.path(), &["resources", "main.json"]);
    // aks1 has pools p1a and p1b (not p0, which an index of the property loop would read).
    let aks1: Value = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["name"] == "aks1")
        .unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(
        aks1["tree"]["properties"]["agentPoolProfiles"],
        serde_json::json!([{"name": "p1a"}, {"name": "p1b"}]),
        "{r:?}"
    );
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--policies",
            "pol",
            "--select",
            "TST001,AKL001",
            "--format",
            "json",
            "main.json",
        ],
    );
    assert!(found(&r).is_empty(), "{r:?}");
}

#[test]
fn language_version_2_object_resources_and_nested_deployments_in_both_scopes() {
    let tpl = r#"{
  "$schema": "SCHEMA",
  "languageVersion": "2.0",
  "parameters": {
    "outerLocal": {"type": "bool", "defaultValue": false}
  },
  "resources": {
    "inner": {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "inner-module",
      "properties": {
        "expressionEvaluationOptions": {"scope": "inner"},
        "mode": "Incremental",
        "parameters": {
          "local": {"value": "[parameters('outerLocal')]"}
        },
        "template": {
          "$schema": "SCHEMA",
          "parameters": {"local": {"type": "bool"}, "outerLocal": {"type": "bool", "defaultValue": true}},
          "resources": [
            {
              "type": "Microsoft.ContainerService/managedClusters",
              "apiVersion": "2024-05-01",
              "name": "from-inner",
              "properties": {"disableLocalAccounts": "[parameters('local')]"}
            }
          ]
        }
      }
    },
    "outer": {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "outer-module",
      "properties": {
        "mode": "Incremental",
        "template": {
          "$schema": "SCHEMA",
          "parameters": {"outerLocal": {"type": "bool", "defaultValue": true}},
          "resources": [
            {
              "type": "Microsoft.ContainerService/managedClusters",
              "apiVersion": "2024-05-01",
              "name": "from-outer",
              "properties": {"disableLocalAccounts": "[parameters('outerLocal')]"}
            }
          ]
        }
      }
    }
  }
}
"#;
    let dir = setup(&[("main.json", tpl)]);
    let r = check(dir.path(), &["main.json"]);
    // Both clusters take the outer default (false, line 5): the inner one through its
    // bound parameter, the outer-scoped one because it reads the outer parameters.
    let f = found(&r);
    assert_eq!(
        f.iter().map(|x| (x.2, x.3.as_str())).collect::<Vec<_>>(),
        [
            (5, "cluster `from-inner` has local accounts (false)"),
            (5, "cluster `from-outer` has local accounts (false)"),
        ],
        "{r:?}"
    );
}

#[test]
fn the_bicep_declaration_beside_the_template_is_a_related_location() {
    let bicep = "param disableLocal bool = false\n\nresource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: 'aks1'\n  location: 'westeurope'\n  properties: {\n    disableLocalAccounts: disableLocal\n  }\n}\n";
    let dir = setup(&[("main.json", CLUSTER_FROM_PARAM), ("main.bicep", bicep)]);
    let r = check(dir.path(), &["main.json"]);
    let rel = related(&r);
    let b = rel
        .iter()
        .find(|x| x["path"] == "main.bicep")
        .unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(b["start"]["line"], 7, "{b:?}");
}

#[test]
fn malformed_expressions_are_parse_errors_at_their_string() {
    let tpl = CLUSTER_FROM_PARAM.replace(
        "[parameters('disableLocal')]",
        "[parameters('disableLocal']",
    );
    let dir = setup(&[("main.json", &tpl)]);
    let r = check(dir.path(), &["main.json"]);
    let f = found(&r);
    assert_eq!(f.len(), 1, "{r:?}");
    assert_eq!((f[0].0.as_str(), f[0].2), ("AKL001", 17));
    assert!(f[0].3.contains("invalid ARM expression"), "{r:?}");
}

#[test]
fn runaway_templates_are_refused_not_hung() {
    // Each variable doubles the previous: 2^40 strings if evaluated naively.
    let mut vars = String::from("\"v0\": \"ab\"");
    for i in 1..=40 {
        vars.push_str(&format!(
            ", \"v{i}\": \"[concat(variables('v{}'), variables('v{}'))]\"",
            i - 1,
            i - 1
        ));
    }
    let tpl = format!(
        "{{\"$schema\": \"SCHEMA\", \"variables\": {{{vars}}}, \"resources\": [{{\"copy\": {{\"name\": \"c\", \"count\": 100000000}}, \"type\": \"Microsoft.ContainerService/managedClusters\", \"apiVersion\": \"2024-05-01\", \"name\": \"[variables('v40')]\", \"properties\": {{\"disableLocalAccounts\": \"[range(0, 100000000)]\"}}}}]}}"
    );
    let dir = setup(&[("main.json", &tpl)]);
    let started = std::time::Instant::now();
    let r = check(dir.path(), &["main.json"]);
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    assert!(!r.stderr.contains("panicked"), "{r:?}");
}

#[test]
fn templates_read_from_stdin() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pol");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("TST001.yaml"), POLICY).unwrap();
    let r = run_stdin(
        &[
            "check",
            "--policies",
            tmp.to_str().unwrap(),
            "--select",
            "TST001",
            "--stdin-filename",
            "main.json",
            "--format",
            "json",
            "-",
        ],
        CLUSTER_FROM_PARAM.replace("SCHEMA", SCHEMA).as_bytes(),
    );
    assert_eq!(
        found(&r)
            .iter()
            .map(|x| (x.1.as_str(), x.2))
            .collect::<Vec<_>>(),
        [("main.json", 7)],
        "{r:?}"
    );
}

#[test]
fn resources_command_prints_the_evaluated_tree() {
    let dir = setup(&[("main.json", CLUSTER_FROM_PARAM)]);
    let r = run_in(dir.path(), &["resources", "main.json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let cluster: Value = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["kind"] == "Microsoft.ContainerService/managedClusters")
        .unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(cluster["tree"]["properties"]["disableLocalAccounts"], false);
    assert_eq!(cluster["name"], "aks1");
}
