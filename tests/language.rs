//! The policy language's semantics, exercised through the engine with small inline policies.

use std::path::Path;
use std::sync::Arc;

use akslint::confine::ScanRoot;
use akslint::discover::{Input, Origin};
use akslint::engine::{self, Options};
use akslint::model::Finding;
use akslint::model::{Format, Node, Pos, Resource, ResourceId, Span, Value};
use akslint::policy::eval::run_check;
use akslint::policy::load::parse_policy;
use akslint::policy::{Policy, PolicySet};

fn policy(id: &str, checks: &str) -> Policy {
    let text = format!(
        "id: {id}\nname: test-policy\narea: workload\nseverity: high\ntitle: t\nmessage: \"{{kind}} {{name}} {{item}} {{value}} at {{path}}\"\nhelp: Fix it.\nchecks:\n{checks}"
    );
    parse_policy(&text, "test.yaml", None, false).unwrap_or_else(|e| panic!("{e:?}"))
}

fn lint(
    policies: Vec<Policy>,
    files: &[(&str, &str)],
) -> (Vec<Finding>, PolicySet, akslint::model::Report) {
    let set = PolicySet::new(policies).unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input {
            display: Arc::from(*name),
            origin: Origin::Stdin(Arc::from(*text)),
            explicit: true,
            root: ScanRoot::at(Path::new(".")),
        })
        .collect();
    let result = engine::run(&inputs, &set, &Options::default());
    (result.findings.clone(), set, result)
}

fn lines(findings: &[Finding]) -> Vec<(u32, u32, String)> {
    findings
        .iter()
        .map(|f| (f.span.start.line, f.span.start.col, f.message.clone()))
        .collect()
}

const WORKLOADS: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: init
              securityContext: {privileged: true}
          containers:
            - name: main
              securityContext: {privileged: false}
          ephemeralContainers:
            - name: debug
              securityContext: {privileged: yes}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext: {privileged: true}
---
apiVersion: example.com/v1
kind: Rollout
metadata: {name: not-argo}
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext: {privileged: true}
"#;

#[test]
fn for_each_containers_covers_every_container_list_and_workload_kind() {
    let p = policy(
        "T001",
        "  - on: kubernetes workload\n    for_each: containers\n    forbid: {path: securityContext.privileged, equals: true}\n",
    );
    let (findings, _, result) = lint(vec![p], &[("w.yaml", WORKLOADS)]);
    assert_eq!(
        lines(&findings),
        vec![
            (11, 45, "CronJob nightly init true at spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged".into()),
            (17, 45, "CronJob nightly debug true at spec.jobTemplate.spec.template.spec.ephemeralContainers[0].securityContext.privileged".into()),
            (27, 41, "Rollout canary web true at spec.template.spec.containers[0].securityContext.privileged".into()),
        ]
    );
    assert_eq!(
        result.stats[0].passed, 1,
        "the non-privileged main container passed"
    );
}

#[test]
fn absent_values_satisfy_only_negative_tests_and_defaults_apply() {
    let p = policy(
        "T002",
        concat!(
            "  - on: kubernetes Pod\n    require: {path: spec.x, equals: 1}\n",
            "  - on: kubernetes Pod\n    require: {path: spec.x, not_equals: 1}\n",
            "  - on: kubernetes Pod\n    require: {path: spec.x, equals: 1, default: 1}\n",
            "  - on: kubernetes Pod\n    require: {path: spec.x, exists: false}\n",
        ),
    );
    let doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n";
    let (findings, _, result) = lint(vec![p], &[("p.yaml", doc)]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    // Absent: located at the nearest existing parent key (`spec`).
    assert_eq!(
        (findings[0].span.start.line, findings[0].span.start.col),
        (4, 1)
    );
    assert!(findings[0].message.contains("absent"));
    assert_eq!(result.stats[0].passed, 3);
}

#[test]
fn path_alternatives_take_the_first_present_path() {
    let p = policy(
        "T003",
        "  - on: kubernetes Pod\n    forbid: {path: [spec.a, spec.b], equals: bad}\n",
    );
    let both = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {a: good, b: bad}\n";
    let only_b = "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec: {b: bad}\n";
    let (findings, _, _) = lint(vec![p], &[("a.yaml", both), ("b.yaml", only_b)]);
    assert_eq!(findings.len(), 1);
    assert_eq!(&*findings[0].path, "b.yaml");
}

#[test]
fn all_any_not_and_leaf_operators() {
    let p = policy(
        "T004",
        concat!(
            "  - on: kubernetes ConfigMap\n    message: m1\n    forbid:\n      all:\n        - {path: data.cidr, cidr_wider_than: 8}\n        - not: {path: data.name, matches: '^safe-'}\n",
            "  - on: kubernetes ConfigMap\n    message: m2\n    forbid:\n      any:\n        - {path: data.count, gt: 10}\n        - {path: data.id, is_guid: true}\n",
            "  - on: kubernetes ConfigMap\n    message: m3\n    forbid: {path: 'data[\"conn.str\"]', looks_like_secret: true}\n",
            "  - on: kubernetes ConfigMap\n    message: m4\n    forbid: {path: data.list, contains: b}\n",
            "  - on: kubernetes ConfigMap\n    message: m5\n    forbid: {path: 'data.list[*]', not_in: [a, b]}\n",
        ),
    );
    let doc = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  cidr: 0.0.0.0/0
  name: open
  count: 11
  id: 8e3af657-a8ff-443c-a75c-2fe8c4bcb635
  conn.str: "Server=db;Password=hunter2hunter2;"
  list: [a, b, c]
"#;
    let (findings, _, _) = lint(vec![p], &[("c.yaml", doc)]);
    let got: Vec<(u32, String)> = findings
        .iter()
        .map(|f| (f.span.start.line, f.message.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, "m1".into()),
            (7, "m2".into()),
            (9, "m3".into()),
            (10, "m4".into()),
            (10, "m5".into()),
        ]
    );
    // `contains` points at the matching element, the wildcard at the first offending one.
    assert_eq!(findings[3].span.start.col, 13);
    assert_eq!(findings[4].span.start.col, 16);
}

#[test]
fn related_checks_link_resources_across_files_and_stay_silent_when_missing() {
    let p = policy(
        "T005",
        "  - on: kubernetes workload\n    require:\n      related:\n        kind: ServiceAccount\n        namespace: same\n        name: {path: $pod.spec.serviceAccountName, default: default}\n        require: {path: metadata.labels.ok, equals: \"yes\"}\n",
    );
    let pod = |name: &str, sa: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  serviceAccountName: {sa}\n"
        )
    };
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: good\n  namespace: ns\n  labels: {ok: \"yes\"}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bad\n  namespace: ns\n  labels: {ok: \"no\"}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: elsewhere\n  namespace: other\n";
    let (p1, p2, p3) = (pod("a", "good"), pod("b", "bad"), pod("c", "elsewhere"));
    let (findings, _, result) = lint(
        vec![p],
        &[
            ("pa.yaml", &p1),
            ("pb.yaml", &p2),
            ("pc.yaml", &p3),
            ("sa.yaml", sa),
        ],
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(&*f.path, "pb.yaml");
    assert_eq!((f.span.start.line, f.span.start.col), (5, 23));
    assert_eq!(f.related.len(), 1);
    assert_eq!(&*f.related[0].path, "sa.yaml");
    assert_eq!(f.related[0].span.unwrap().start.line, 13);
    let s = &result.stats[0];
    assert_eq!(
        (s.passed, s.failed, s.unknown),
        (1, 1, 1),
        "missing related object is unknown"
    );
}

#[test]
fn related_missing_false_reports_once_per_namespace() {
    let p = policy(
        "T006",
        "  - on: kubernetes workload\n    report: once-per-namespace\n    require:\n      related: {kind: NetworkPolicy, namespace: same, missing: false}\n",
    );
    let docs = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: y}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: y}\n";
    let (findings, _, _) = lint(vec![p], &[("n.yaml", docs)]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].span.start.line, 3);
}

#[test]
fn unknown_values_give_unknown_verdicts_not_findings() {
    let p = policy(
        "T007",
        "  - on: kubernetes Pod\n    require: {path: spec.enabled, equals: true}\n  - on: kubernetes Pod\n    require: {path: spec.block.inner, equals: true}\n  - on: kubernetes Pod\n    require: {path: spec.enabled, exists: true}\n",
    );
    let set = PolicySet::new(vec![p]).unwrap();
    let sp = Span::new(Pos::new(1, 1), Pos::new(1, 2));
    let n = |v: Value| Node::new(v, sp);
    let entry = |k: &str, v: Node| akslint::model::Entry {
        key: k.into(),
        key_span: sp,
        value: v,
    };
    let root = n(Value::Map(vec![
        entry("kind", n(Value::Str("Pod".into()))),
        entry(
            "spec",
            n(Value::Map(vec![
                entry("enabled", n(Value::Unknown)),
                entry("block", n(Value::Unknown)),
            ])),
        ),
    ]));
    let res = Resource {
        file: 0,
        format: Format::Kubernetes,
        group: "".into(),
        id: ResourceId {
            kind: "Pod".into(),
            namespace: None,
            name: Some("p".into()),
        },
        root,
        pod_path: Some(&[]),
        helm_source: None,
        arm: None,
        tf: None,
    };
    let mut out = Vec::new();
    let mut stats = Default::default();
    for c in 0..3 {
        run_check(
            &set,
            (0, c),
            &res,
            None,
            &mut Default::default(),
            &mut out,
            &mut stats,
        );
    }
    assert!(out.is_empty());
    assert_eq!((stats.passed, stats.unknown), (1, 2));
}

#[test]
fn broken_policies_are_errors_at_their_line() {
    let cases = [
        (
            "checks:\n  - on: kubernetes Pod\n    forbid: {path: a, equalz: 1}\n",
            3,
            "unknown key `equalz`",
        ),
        (
            "checks:\n  - on: nomad Job\n    forbid: {path: a, equals: 1}\n",
            2,
            "unknown format",
        ),
        (
            "checks:\n  - on: kubernetes Pod\n    forbid: {path: a, matches: '('}\n",
            3,
            "invalid regular expression",
        ),
        (
            "checks:\n  - on: kubernetes Pod\n    forbid: {path: 'a[x]', equals: 1}\n",
            3,
            "neither",
        ),
        (
            "checks:\n  - on: kubernetes Pod\n    when: {path: a, equals: 1}\n",
            2,
            "needs `require` or `forbid`",
        ),
    ];
    for (checks, line, needle) in cases {
        let text = format!(
            "id: T009\nname: t\narea: workload\nseverity: high\ntitle: t\nmessage: m\nhelp: h.\n{checks}"
        );
        let err = parse_policy(&text, "bad.yaml", None, false).expect_err(needle);
        assert!(err.message.contains(needle), "{needle}: {}", err.message);
        assert_eq!(err.line, line + 7, "{needle}");
    }
    let text = "id: T010\nname: t\narea: workload\nseverity: high\ntitle: t\nmessage: m\nhelp: h.\nchecks: []\n";
    let err = parse_policy(text, "x/T011.yaml", Some("T011"), false).expect_err("stem");
    assert!(err.message.contains("does not match its file name"));
}

#[test]
fn for_each_over_a_mapping_sees_keys_and_items() {
    let p = policy(
        "T012",
        "  - on: kubernetes ConfigMap\n    for_each: 'data[*]'\n    forbid:\n      any:\n        - {path: $key, matches: '(?i)password'}\n        - {path: $item, looks_like_secret: true}\n",
    );
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  LOG_LEVEL: info\n  DB_PASSWORD: x\n  conn: \"AccountKey=abcdEFGH1234==;\"\n";
    let (findings, _, result) = lint(vec![p], &[("c.yaml", doc)]);
    let got: Vec<(u32, u32, String, String)> = findings
        .iter()
        .map(|f| {
            (
                f.span.start.line,
                f.span.start.col,
                f.node_path.clone(),
                f.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                6,
                3,
                "data.DB_PASSWORD".into(),
                "ConfigMap c DB_PASSWORD DB_PASSWORD at data.DB_PASSWORD".into()
            ),
            (
                7,
                9,
                "data.conn".into(),
                // A secret value is never quoted, even by `{value}`.
                "ConfigMap c conn **** at data.conn".into()
            ),
        ]
    );
    assert_eq!(result.stats[0].passed, 1);
    assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
}

#[test]
fn registry_patterns_come_from_settings_that_users_override() {
    let text = "id: T013\nname: t\narea: workload\nseverity: low\ntitle: t\nmessage: \"{value}\"\nhelp: h.\nsettings:\n  trusted-registries: ['*.azurecr.io', mcr.microsoft.com]\nchecks:\n  - on: kubernetes workload\n    for_each: containers\n    require: {path: image, registry_in: trusted-registries}\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: contoso.azurecr.io/app:1}\n    - {name: b, image: nginx:1.25}\n    - {name: c, image: ghcr.io/acme/tool:2}\n    - {name: d, image: mcr.microsoft.com/oss/x}\n";
    let (findings, _, _) = lint(
        vec![parse_policy(text, "t.yaml", None, false).unwrap()],
        &[("p.yaml", pod)],
    );
    let values: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(values, vec!["nginx:1.25", "ghcr.io/acme/tool:2"]);

    let mut set = PolicySet::new(vec![parse_policy(text, "t.yaml", None, false).unwrap()]).unwrap();
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert(
        "trusted-registries".to_string(),
        vec!["ghcr.io/acme/*".to_string(), "docker.io".to_string()],
    );
    set.apply_settings(&overrides).unwrap();
    let inputs = vec![Input {
        display: Arc::from("p.yaml"),
        origin: Origin::Stdin(Arc::from(pod)),
        explicit: true,
        root: ScanRoot::at(Path::new(".")),
    }];
    let result = engine::run(&inputs, &set, &Options::default());
    let values: Vec<&str> = result.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        values,
        vec!["contoso.azurecr.io/app:1", "mcr.microsoft.com/oss/x"]
    );

    overrides.insert("no-such-setting".to_string(), vec![]);
    assert!(set.apply_settings(&overrides).is_err());
}

#[test]
fn registry_host_patterns_do_not_match_look_alike_repositories() {
    let text = "id: T014\nname: t\narea: workload\nseverity: low\ntitle: t\nmessage: \"{value}\"\nhelp: h.\nchecks:\n  - on: kubernetes workload\n    for_each: containers\n    require: {path: image, registry_in: ['*.azurecr.io', 'ghcr.io/acme/*']}\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: 'attacker/evil.azurecr.io:1.0'}\n    - {name: b, image: 'evil.example/x.azurecr.io:1.0'}\n    - {name: c, image: x.azurecr.io}\n    - {name: d, image: 'ghcr.io/acme/team/app:2'}\n    - {name: e, image: 'ghcr.io/other/app:2'}\n";
    let (findings, _, _) = lint(
        vec![parse_policy(text, "t.yaml", None, false).unwrap()],
        &[("p.yaml", pod)],
    );
    let values: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        values,
        vec![
            "attacker/evil.azurecr.io:1.0",
            "evil.example/x.azurecr.io:1.0",
            "x.azurecr.io",
            "ghcr.io/other/app:2"
        ]
    );
}

#[test]
fn for_each_containers_takes_only_objects() {
    let p = policy(
        "T015",
        "  - on: kubernetes workload\n    for_each: containers\n    forbid: {path: name, exists: true}\n",
    );
    // A malformed `containers:` mapping: its values are not containers.
    let doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    image: nginx\n    name: app\n";
    let (findings, _, result) = lint(vec![p], &[("m.yaml", doc)]);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(result.stats[0], Default::default());
}

#[test]
fn kinds_can_be_qualified_by_any_api_group() {
    let p = policy(
        "T016",
        "  - on: kubernetes projectcalico.org/GlobalNetworkPolicy\n    forbid: {path: kind, exists: true}\n",
    );
    let docs = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: b}\n";
    let (findings, _, _) = lint(vec![p], &[("g.yaml", docs)]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].span.start.line, 2);
}
