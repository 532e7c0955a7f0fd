//! Terraform plans through the real binary: join, unknowns, deletes, instances, modules,
//! sensitive values, `.tf` locations, azapi bodies. Test policies keep these tests
//! independent of the built-in pack.

mod common;

use std::path::Path;

use common::{Run, run_in, write};

const POLICIES: &[(&str, &str)] = &[
    (
        "TST101",
        r#"  - on: terraform azurerm_kubernetes_cluster
    require: {path: local_account_disabled, equals: true}
  - on: arm Microsoft.ContainerService/managedClusters
    require: {path: properties.disableLocalAccounts, equals: true}
"#,
    ),
    (
        "TST102",
        r#"  - on: terraform azurerm_kubernetes_cluster
    message: "secret is {value}"
    forbid: {path: "service_principal[0].client_secret", exists: true}
"#,
    ),
    (
        "TST103",
        r#"  - on: terraform azurerm_kubernetes_cluster
    require: {path: "network_profile[0].network_policy", in: [azure, calico, cilium]}
"#,
    ),
    (
        "TST104",
        r#"  - on: terraform azurerm_container_registry
    require:
      related:
        type: azurerm_private_endpoint
        where: {path: "private_service_connection[*].private_connection_resource_id", refers_to: self}
        missing: false
"#,
    ),
];

fn policy(id: &str, checks: &str) -> String {
    format!(
        "id: {id}\nname: test-{}\narea: auth\nseverity: high\ntitle: t\nmessage: \"`{{name}}` fails {id}\"\nhelp: Fix it.\ndocs: |\n  ## What it does\n  x\n  ## Why it matters\n  x\n  ## How to fix\n  x\nchecks:\n{checks}",
        id.to_ascii_lowercase()
    )
}

fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (id, checks) in POLICIES {
        write(dir.path(), &format!("pol/{id}.yaml"), policy(id, checks));
    }
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn check(dir: &Path, select: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--policies",
        "pol",
        "--select",
        select,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// (id, path, line, message).
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

/// A plan with: a cluster created by `count` (local accounts on), one for `for_each` in a
/// module (local accounts off), one only being deleted, and a data source.
const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "azurerm_kubernetes_cluster.this[0]",
          "mode": "managed",
          "type": "azurerm_kubernetes_cluster",
          "name": "this",
          "index": 0,
          "values": {
            "name": "aks-a",
            "local_account_disabled": false,
            "network_profile": [
              {
                "network_plugin": "azure"
              }
            ],
            "service_principal": [
              {
                "client_id": "00000000-0000-0000-0000-000000000000",
                "client_secret": "SuperSecretValue123"
              }
            ]
          },
          "sensitive_values": {
            "service_principal": [
              {
                "client_secret": true
              }
            ]
          }
        },
        {
          "address": "data.azurerm_client_config.current",
          "mode": "data",
          "type": "azurerm_client_config",
          "name": "current",
          "values": {}
        }
      ],
      "child_modules": [
        {
          "address": "module.aks[\"eu\"]",
          "resources": [
            {
              "address": "module.aks[\"eu\"].azurerm_kubernetes_cluster.this",
              "mode": "managed",
              "type": "azurerm_kubernetes_cluster",
              "name": "this",
              "values": {
                "name": "aks-eu",
                "local_account_disabled": true,
                "network_profile": [
                  {
                    "network_plugin": "azure",
                    "network_policy": null
                  }
                ]
              }
            }
          ]
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "azurerm_kubernetes_cluster.this[0]",
      "mode": "managed",
      "type": "azurerm_kubernetes_cluster",
      "change": {
        "actions": ["create"],
        "after_unknown": {
          "id": true,
          "network_profile": [
            {
              "network_policy": true
            }
          ]
        }
      }
    },
    {
      "address": "azurerm_kubernetes_cluster.old",
      "mode": "managed",
      "type": "azurerm_kubernetes_cluster",
      "change": {
        "actions": ["delete"],
        "before": {"name": "old", "local_account_disabled": false},
        "after": null
      }
    }
  ]
}
"#;

#[test]
fn instances_modules_deletes_and_data_sources() {
    let dir = setup(&[("plan.json", PLAN)]);
    let r = check(dir.path(), "TST101", &["plan.json"]);
    assert_eq!(
        found(&r),
        [(
            "TST101".into(),
            "plan.json".into(),
            15,
            "`azurerm_kubernetes_cluster.this[0]` fails TST101".into()
        )],
        "{r:?}"
    );
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--policies",
            "pol",
            "--select",
            "TST101",
            "plan.json",
        ],
    );
    assert!(r.stdout.contains("checked 2 resources in 1 file"), "{r:?}");
}

#[test]
fn unknown_at_plan_is_not_absent() {
    let dir = setup(&[("plan.json", PLAN)]);
    // this[0]: network_policy unknown (after_unknown) → silent; aks-eu: null → finding at its key.
    let r = check(dir.path(), "TST103", &["plan.json"]);
    let f = found(&r);
    assert_eq!(f.len(), 1, "{r:?}");
    assert_eq!(f[0].2, 59);
    assert!(
        f[0].3
            .contains("module.aks[\"eu\"].azurerm_kubernetes_cluster.this"),
        "{r:?}"
    );
}

#[test]
fn sensitive_values_never_appear_in_any_output_format() {
    let dir = setup(&[("plan.json", PLAN)]);
    for format in ["human", "concise", "json", "sarif", "github"] {
        let r = run_in(
            dir.path(),
            &[
                "check",
                "--policies",
                "pol",
                "--select",
                "TST102",
                "--format",
                format,
                "plan.json",
            ],
        );
        assert_eq!(r.code, 1, "{format}: {r:?}");
        assert!(
            !r.stdout.contains("SuperSecret"),
            "{format} leaked: {}",
            r.stdout
        );
        assert!(
            !r.stderr.contains("SuperSecret"),
            "{format} leaked: {}",
            r.stderr
        );
        assert!(r.stdout.contains("(sensitive)"), "{format}: {}", r.stdout);
    }
    // The code frame shows the line, masked.
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--policies",
            "pol",
            "--select",
            "TST102",
            "plan.json",
        ],
    );
    assert!(
        r.stdout
            .contains("\"client_secret\": \"*******************\""),
        "{r:?}"
    );
    // And `akslint resources` masks it too.
    let r = run_in(dir.path(), &["resources", "plan.json"]);
    assert!(!r.stdout.contains("SuperSecret"), "{r:?}");
}

#[test]
fn an_unknown_plan_format_major_is_a_parse_error() {
    let plan = PLAN.replace("\"format_version\": \"1.2\"", "\"format_version\": \"2.0\"");
    let dir = setup(&[("plan.json", &plan)]);
    let r = check(dir.path(), "TST101", &["plan.json"]);
    let f = found(&r);
    assert_eq!(f.len(), 1, "{r:?}");
    assert_eq!((f[0].0.as_str(), f[0].2), ("AKL001", 2));
    assert!(f[0].3.contains("format_version `2.0`"), "{r:?}");
}

#[test]
fn findings_point_at_the_tf_block_beside_the_plan_or_under_tf_root() {
    let tf = "resource \"azurerm_kubernetes_cluster\" \"this\" {\n  count = 1\n  name  = \"aks-a\"\n  local_account_disabled = false\n}\n";
    let module_tf = "resource \"azurerm_kubernetes_cluster\" \"this\" {\n  name = \"aks-eu\"\n  network_profile {\n    network_plugin = \"azure\"\n  }\n}\n";
    let plan = PLAN.replace(
        "  \"resource_changes\": [",
        "  \"configuration\": {\"root_module\": {\"module_calls\": {\"aks\": {\"source\": \"./modules/aks\", \"module\": {\"resources\": []}}}}},\n  \"resource_changes\": [",
    );
    let dir = setup(&[
        ("infra/plan.json", &plan),
        ("infra/main.tf", tf),
        ("infra/modules/aks/main.tf", module_tf),
    ]);
    // The `.tf` line is the primary location (what a pull request annotates); the planned
    // value is related. Each resource is checked once although the module is scanned too.
    let r = check(dir.path(), "TST101,TST103", &["infra"]);
    let json = r.json();
    let primary: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(primary.contains(&("infra/main.tf".into(), 4)), "{r:?}");
    assert!(
        primary.contains(&("infra/modules/aks/main.tf".into(), 3)),
        "{r:?}"
    );
    assert_eq!(primary.len(), 2, "{r:?}");
    for f in json["findings"].as_array().unwrap() {
        assert_eq!(f["related"][0]["path"], "infra/plan.json", "{f}");
    }

    // A plan elsewhere, sources named with --tf-root.
    let dir = setup(&[("plan.json", &plan), ("src/main.tf", tf)]);
    let r = check(dir.path(), "TST101", &["plan.json", "--tf-root", "src"]);
    let f = &r.json()["findings"][0];
    assert_eq!(f["path"], "src/main.tf", "{r:?}");
    assert_eq!(f["start"]["line"], 4);
    assert_eq!(f["related"][0]["path"], "plan.json", "{r:?}");
}

#[test]
fn azapi_bodies_are_linted_by_arm_checks_object_or_json_string() {
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {
      "address": "azapi_resource.aks",
      "mode": "managed",
      "type": "azapi_resource",
      "name": "aks",
      "values": {
        "type": "Microsoft.ContainerService/managedClusters@2024-05-01",
        "name": "aks-azapi",
        "body": {
          "properties": {
            "disableLocalAccounts": false
          }
        }
      }
    },
    {
      "address": "azapi_resource.v1",
      "mode": "managed",
      "type": "azapi_resource",
      "name": "v1",
      "values": {
        "type": "Microsoft.ContainerService/managedClusters@2023-01-01",
        "name": "aks-v1",
        "body": "{\"properties\": {\"disableLocalAccounts\": true}}"
      }
    }
  ]}}
}
"#;
    let dir = setup(&[("plan.json", plan)]);
    let r = check(dir.path(), "TST101", &["plan.json", "--statistics"]);
    let f = found(&r);
    assert_eq!(f.len(), 1, "{r:?}");
    assert_eq!(f[0].2, 14);
    assert!(f[0].3.contains("azapi_resource.aks"), "{r:?}");
}

#[test]
fn references_link_resources_whose_ids_are_unknown_at_plan() {
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "azurerm_container_registry.linked", "mode": "managed", "type": "azurerm_container_registry", "name": "linked",
     "values": {"name": "acrlinked"}},
    {"address": "azurerm_container_registry.alone", "mode": "managed", "type": "azurerm_container_registry", "name": "alone",
     "values": {"name": "acralone"}},
    {"address": "azurerm_private_endpoint.pe", "mode": "managed", "type": "azurerm_private_endpoint", "name": "pe",
     "values": {"name": "pe", "private_service_connection": [{"name": "c", "subresource_names": ["registry"]}]}}
  ]}},
  "resource_changes": [
    {"address": "azurerm_private_endpoint.pe", "mode": "managed", "type": "azurerm_private_endpoint",
     "change": {"actions": ["create"], "after_unknown": {"id": true, "private_service_connection": [{"private_connection_resource_id": true}]}}}
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "azurerm_private_endpoint.pe", "mode": "managed", "type": "azurerm_private_endpoint", "name": "pe",
     "expressions": {"private_service_connection": [{"private_connection_resource_id": {"references": ["azurerm_container_registry.linked.id", "azurerm_container_registry.linked"]}}]}}
  ]}}
}
"#;
    let dir = setup(&[("plan.json", plan)]);
    let r = check(dir.path(), "TST104", &["plan.json"]);
    let f = found(&r);
    assert_eq!(f.len(), 1, "{r:?}");
    assert!(f[0].3.contains("azurerm_container_registry.alone"), "{r:?}");
}

#[test]
fn azapi_update_resource_is_merged_onto_its_target() {
    let plan = |refs: &str| {
        format!(
            r#"{{
  "format_version": "1.2",
  "planned_values": {{"root_module": {{"resources": [
    {{"address": "azapi_resource.aks", "mode": "managed", "type": "azapi_resource", "name": "aks",
     "values": {{"type": "Microsoft.ContainerService/managedClusters@2024-05-01", "name": "aks1",
                "body": {{"properties": {{"disableLocalAccounts": false, "dnsPrefix": "x"}}}}}}}},
    {{"address": "azapi_update_resource.lockdown", "mode": "managed", "type": "azapi_update_resource", "name": "lockdown",
     "values": {{"type": "Microsoft.ContainerService/managedClusters@2024-05-01",
                "body": {{"properties": {{"disableLocalAccounts": true}}}}}}}}
  ]}}}},
  "resource_changes": [
    {{"address": "azapi_update_resource.lockdown", "mode": "managed", "type": "azapi_update_resource",
     "change": {{"actions": ["create"], "after_unknown": {{"resource_id": true}}}}}}
  ],
  "configuration": {{"root_module": {{"resources": [
    {{"address": "azapi_update_resource.lockdown", "mode": "managed", "type": "azapi_update_resource", "name": "lockdown",
     "expressions": {{"resource_id": {{"references": [{refs}]}}}}}}
  ]}}}}
}}
"#
        )
    };
    let dir = setup(&[
        (
            "merged/plan.json",
            &plan(r#""azapi_resource.aks.id", "azapi_resource.aks""#),
        ),
        ("elsewhere/plan.json", &plan(r#""var.cluster_id""#)),
    ]);
    let r = check(dir.path(), "TST101", &["merged", "elsewhere"]);
    let paths: Vec<String> = found(&r).into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["elsewhere/plan.json"], "{r:?}");
    // The update whose target is elsewhere is named, not dropped silently.
    assert_eq!(r.json()["summary"]["not_linted"], 1, "{r:?}");
    let human = run_in(
        dir.path(),
        &[
            "check",
            "--policies",
            "pol",
            "--select",
            "TST101",
            "--statistics",
            "elsewhere",
        ],
    );
    assert!(
        human
            .stdout
            .contains("1 resource not linted (an update of a resource not in the input"),
        "{human:?}"
    );
    assert!(
        human.stdout.contains("elsewhere/plan.json:8:16:")
            && human.stdout.contains("azapi_update_resource azapi_update_resource.lockdown: its target (resource_id) is not in the plan"),
        "{human:?}"
    );
}

#[test]
fn a_plan_listing_an_address_twice_has_one_resource() {
    let resource = r#"{"address": "azurerm_kubernetes_cluster.aks", "mode": "managed", "type": "azurerm_kubernetes_cluster", "name": "aks",
     "values": {"name": "aks1", "local_account_disabled": false}}"#;
    let plan = format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{resource}, {resource}]}}}}}}"#
    );
    let dir = setup(&[("plan.json", &plan)]);
    let r = check(dir.path(), "TST101", &["plan.json"]);
    assert_eq!(found(&r).len(), 1, "{r:?}");
    assert_eq!(r.json()["summary"]["resources"], 1, "{r:?}");
}

/// A plan of one cluster `module.aks.azurerm_kubernetes_cluster.this` whose
/// `network_profile[0].network_policy` azurerm marks unknown (Optional+Computed), with the
/// given module-block expressions, module call inputs and `for_each_expression`.
fn computed_plan(
    values_np: serde_json::Value,
    unknown_np: serde_json::Value,
    exprs: serde_json::Value,
    call_inputs: serde_json::Value,
    for_each: Option<serde_json::Value>,
    with_configuration: bool,
) -> String {
    use serde_json::json;
    let address = "module.aks.azurerm_kubernetes_cluster.this";
    let mut values = json!({"name": "aks-prod", "local_account_disabled": true});
    if !values_np.is_null() {
        values["network_profile"] = values_np;
    }
    let mut resource = json!({
        "address": "azurerm_kubernetes_cluster.this", "mode": "managed",
        "type": "azurerm_kubernetes_cluster", "name": "this", "expressions": exprs
    });
    if let Some(f) = for_each {
        resource["for_each_expression"] = f;
    }
    let mut plan = json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"child_modules": [{"address": "module.aks", "resources": [{
            "address": address, "mode": "managed", "type": "azurerm_kubernetes_cluster",
            "name": "this", "values": values
        }]}]}},
        "resource_changes": [{
            "address": address, "mode": "managed", "type": "azurerm_kubernetes_cluster",
            "change": {"actions": ["create"], "after_unknown": {"id": true, "network_profile": unknown_np}}
        }]
    });
    if with_configuration {
        plan["configuration"] = json!({"root_module": {"module_calls": {"aks": {
            "source": "./modules/aks",
            "expressions": call_inputs,
            "module": {"resources": [resource]}
        }}}});
    }
    serde_json::to_string_pretty(&plan).unwrap()
}

/// (TST103 findings, undecided checks) of a plan.
fn policy_verdicts(plan: &str, files: &[(&str, &str)]) -> (usize, u64, Run) {
    let mut all = vec![("plan.json", plan)];
    all.extend_from_slice(files);
    let dir = setup(&all);
    let r = check(dir.path(), "TST103", &["plan.json"]);
    let findings = found(&r).len();
    let undecided = r.json()["summary"]["undecided"]["checks"].as_u64().unwrap();
    (findings, undecided, r)
}

#[test]
fn an_unknown_attribute_the_configuration_does_not_write_is_unset() {
    use serde_json::json;
    let np = || json!([{"network_plugin": "azure"}]);
    let unknown = || json!([{"network_policy": true, "pod_cidr": true}]);
    let plugin = json!({"network_plugin": {"constant_value": "azure"}});
    let with = |policy: serde_json::Value| {
        let mut b = plugin.clone();
        b["network_policy"] = policy;
        json!({"network_profile": [b]})
    };
    let plan =
        |exprs, inputs, for_each| computed_plan(np(), unknown(), exprs, inputs, for_each, true);

    // Not written: Azure's default (none) decides: a finding, nothing undecided.
    let (f, u, _) = policy_verdicts(
        &plan(
            json!({"network_profile": [plugin.clone()]}),
            json!({}),
            None,
        ),
        &[],
    );
    assert_eq!((f, u), (1, 0));
    // Written `= null`: the same.
    let (f, u, _) = policy_verdicts(
        &plan(with(json!({"constant_value": null})), json!({}), None),
        &[],
    );
    assert_eq!((f, u), (1, 0));
    // From another resource's attribute: known only at apply.
    let from_resource =
        json!({"references": ["azurerm_resource_group.rg.tags", "azurerm_resource_group.rg"]});
    let (f, u, _) = policy_verdicts(&plan(with(from_resource.clone()), json!({}), None), &[]);
    assert_eq!((f, u), (0, 1));
    // From a module variable: undecided when the caller passes a resource attribute, unset
    // when it passes a root variable or nothing (the variable's default).
    let var = json!({"references": ["var.network_policy"]});
    let (f, u, _) = policy_verdicts(
        &plan(
            with(var.clone()),
            json!({"network_policy": from_resource}),
            None,
        ),
        &[],
    );
    assert_eq!((f, u), (0, 1));
    let root_var = json!({"references": ["var.policy"]});
    let (f, u, _) = policy_verdicts(
        &plan(with(var.clone()), json!({"network_policy": root_var}), None),
        &[],
    );
    assert_eq!((f, u), (1, 0));
    let (f, u, _) = policy_verdicts(&plan(with(var), json!({}), None), &[]);
    assert_eq!((f, u), (1, 0));
    // `each.value`: known when the `for_each` is, else undecided; locals are never traced.
    let each = json!({"references": ["each.value.policy", "each.value"]});
    let (f, u, _) = policy_verdicts(
        &plan(
            with(each.clone()),
            json!({}),
            Some(json!({"references": ["var.pools"]})),
        ),
        &[],
    );
    assert_eq!((f, u), (1, 0));
    let (f, u, _) = policy_verdicts(
        &plan(
            with(each),
            json!({}),
            Some(
                json!({"references": ["azurerm_resource_group.rg.tags", "azurerm_resource_group.rg"]}),
            ),
        ),
        &[],
    );
    assert_eq!((f, u), (0, 1));
    let (f, u, _) = policy_verdicts(
        &plan(
            with(json!({"references": ["local.policy"]})),
            json!({}),
            None,
        ),
        &[],
    );
    assert_eq!((f, u), (0, 1));
}

#[test]
fn dynamic_blocks_and_plans_without_configuration_stay_undecided() {
    use serde_json::json;
    // A block in the values that the configuration JSON leaves out (Terraform omits
    // `dynamic` blocks there): its unknown attributes stay unknown.
    let plan = computed_plan(
        json!([{"network_plugin": "azure"}]),
        json!([{"network_policy": true}]),
        json!({}),
        json!({}),
        None,
        true,
    );
    assert_eq!(policy_verdicts(&plan, &[]).1, 1);

    // The whole block unknown and not in the configuration: unset, unless the `.tf` source
    // writes it as a `dynamic` block (whose `for_each` is then unknown at plan).
    let whole = computed_plan(json!(null), json!(true), json!({}), json!({}), None, true);
    let (f, u, _) = policy_verdicts(&whole, &[]);
    assert_eq!((f, u), (1, 0));
    let tf = "resource \"azurerm_kubernetes_cluster\" \"this\" {\n  name = \"aks-prod\"\n  dynamic \"network_profile\" {\n    for_each = local.profiles\n    content {\n      network_plugin = \"azure\"\n    }\n  }\n}\n";
    let (f, u, _) = policy_verdicts(&whole, &[("modules/aks/main.tf", tf)]);
    assert_eq!((f, u), (0, 1));

    // No `configuration`: nothing can be told apart; say so once on stderr.
    let bare = computed_plan(
        json!([{"network_plugin": "azure"}]),
        json!([{"network_policy": true}]),
        json!({}),
        json!({}),
        None,
        false,
    );
    let (f, u, r) = policy_verdicts(&bare, &[]);
    assert_eq!((f, u), (0, 1));
    assert_eq!(
        r.stderr.matches("without `configuration`").count(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn module_sources_and_modules_json_dirs_outside_the_repository_are_not_read() {
    let module_tf = "resource \"azurerm_kubernetes_cluster\" \"this\" {\n  name = \"OUTSIDE-MODULE-TEXT\"\n  network_profile {\n    network_plugin = \"azure\"\n  }\n}\n";
    for (source, modules_json) in [
        ("../../outside/aks", None),
        (
            "Azure/aks/azurerm",
            Some(
                "{\"Modules\": [{\"Key\": \"aks\", \"Source\": \"registry\", \"Dir\": \"../../outside/aks\"}]}",
            ),
        ),
    ] {
        let plan = PLAN.replace(
            "  \"resource_changes\": [",
            &format!("  \"configuration\": {{\"root_module\": {{\"module_calls\": {{\"aks\": {{\"source\": \"{source}\", \"module\": {{\"resources\": []}}}}}}}}}},\n  \"resource_changes\": ["),
        );
        let mut files = vec![
            ("repo/.git/HEAD", "ref: refs/heads/main\n"),
            ("repo/infra/plan.json", plan.as_str()),
            ("outside/aks/main.tf", module_tf),
        ];
        if let Some(m) = modules_json {
            files.push(("repo/infra/.terraform/modules/modules.json", m));
        }
        let dir = setup(&files);
        let repo = dir.path().join("repo");
        for format in ["json", "human"] {
            let r = run_in(
                &repo,
                &[
                    "check",
                    "--policies",
                    "../pol",
                    "--select",
                    "TST103",
                    "--format",
                    format,
                    "infra/plan.json",
                ],
            );
            assert_eq!(r.code, 1, "{r:?}");
            assert!(!r.stdout.contains("OUTSIDE-MODULE-TEXT"), "{source}: {r:?}");
            assert!(!r.stdout.contains("outside/aks"), "{source}: {r:?}");
            assert!(!r.stdout.contains("main.tf"), "{source}: {r:?}");
        }
        // The same module inside the repository is read (the test can fail).
        let inside = dir.path().join("repo/modules/aks");
        write(&inside, "main.tf", module_tf);
        let plan_in = plan.replace("../../outside/aks", "../modules/aks");
        write(&repo, "infra/plan.json", &plan_in);
        if let Some(m) = modules_json {
            write(
                &repo,
                "infra/.terraform/modules/modules.json",
                m.replace("../../outside/aks", "../modules/aks"),
            );
        }
        let r = run_in(
            &repo,
            &[
                "check",
                "--policies",
                "../pol",
                "--select",
                "TST103",
                "--format",
                "human",
                "infra/plan.json",
            ],
        );
        assert!(
            r.stdout.contains("[modules/aks/main.tf:3:3]"),
            "{source}: {r:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_main_tf_linked_to_dev_zero_beside_a_plan_is_not_read() {
    let dir = setup(&[("repo/.git/HEAD", "x\n"), ("repo/plan.json", PLAN)]);
    let repo = dir.path().join("repo");
    std::os::unix::fs::symlink("/dev/zero", repo.join("main.tf")).unwrap();
    let start = std::time::Instant::now();
    let r = run_in(
        &repo,
        &[
            "check",
            "--policies",
            "../pol",
            "--select",
            "TST101",
            "--format",
            "json",
            "plan.json",
        ],
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!found(&r).is_empty(), "{r:?}");
}
