//! One fixed report rendered in every format, compared with the snapshots under
//! `tests/snapshots/` (insta). The report is built by hand: these tests pin what the
//! renderers write, not what the linter finds. `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test snapshots`) accepts an intended change.

use std::sync::Arc;

use akslint::model::{
    FileKind, FileSummary, Finding, NotDeployed, NotLinted, PolicyStats, Pos, RelatedLocation,
    Report, ResourceId, RuleDocs, RuleInfo, Severity, Span, Suppression, SuppressionKind,
    Undecided,
};
use akslint::render::{self, OutputFormat, RenderOptions};

struct Docs(&'static str);

impl RuleDocs for Docs {
    fn markdown(&self) -> &str {
        self.0
    }
}

static AUTH_DOCS: Docs = Docs("## What it does\nChecks that local accounts are off.");
static NO_DOCS: Docs = Docs("");

fn rules() -> Vec<RuleInfo<'static>> {
    vec![
        RuleInfo {
            id: "AUTH001",
            name: "local-accounts-enabled",
            title: "Local accounts are enabled",
            help: "Set `disableLocalAccounts: true`.",
            docs: &AUTH_DOCS,
            area: "auth",
            severity: Severity::High,
            enabled: true,
        },
        RuleInfo {
            id: "POD001",
            name: "privileged-container",
            title: "A container runs privileged",
            help: "Remove `privileged: true`.",
            docs: &NO_DOCS,
            area: "pod",
            severity: Severity::Critical,
            enabled: true,
        },
        RuleInfo {
            id: "NET002",
            name: "not-selected",
            title: "A rule this run does not select",
            help: "-",
            docs: &NO_DOCS,
            area: "network",
            severity: Severity::Low,
            enabled: false,
        },
    ]
}

fn span(l1: u32, c1: u32, l2: u32, c2: u32) -> Span {
    Span::new(Pos::new(l1, c1), Pos::new(l2, c2))
}

fn finding(rule: usize, id: &str, severity: Severity, path: &str, at: Span) -> Finding {
    Finding {
        id: id.into(),
        rule,
        severity,
        message: format!("{id} message"),
        path: path.into(),
        span: at,
        resource: None,
        node_path: String::new(),
        fingerprint: format!("{id}-fingerprint"),
        related: Vec::new(),
        dedupe_key: None,
        resource_file: Some(path.into()),
        suppression: None,
        also_at: None,
    }
}

const POD_YAML: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx\n      securityContext:\n        privileged: true\n";
const ARM_JSON: &str = "{\n  \"resources\": [\n    {\n      \"type\": \"Microsoft.ContainerService/managedClusters\",\n      \"properties\": {\"disableLocalAccounts\": false}\n    }\n  ]\n}\n";

fn report() -> Report {
    let mut pod = finding(
        1,
        "POD001",
        Severity::Critical,
        "k8s/pod.yaml",
        span(10, 9, 10, 25),
    );
    pod.message = "container `app` runs privileged".into();
    pod.resource = Some(ResourceId {
        kind: "Pod".into(),
        namespace: Some("default".into()),
        name: Some("web".into()),
    });
    pod.node_path = "spec.containers[0].securityContext.privileged".into();
    pod.related.push(RelatedLocation {
        path: "templates/pod.yaml".into(),
        span: None,
        message: "rendered from this Helm template".into(),
        in_repository: false,
    });
    let mut arm = finding(
        0,
        "AUTH001",
        Severity::High,
        "arm/aks.json",
        span(5, 21, 5, 48),
    );
    arm.message = "local accounts are enabled [sic](x)".into();
    arm.resource = Some(ResourceId {
        kind: "Microsoft.ContainerService/managedClusters".into(),
        namespace: None,
        name: Some("aks".into()),
    });
    arm.related.push(RelatedLocation {
        path: "arm/aks.json".into(),
        span: Some(span(4, 7, 4, 55)),
        message: "resource `aks` is declared here".into(),
        in_repository: true,
    });
    let mut suppressed = finding(
        1,
        "POD001",
        Severity::Critical,
        "k8s/pod.yaml",
        span(9, 7, 9, 22),
    );
    suppressed.suppression = Some(Suppression {
        kind: SuppressionKind::InSource,
        justification: "a debugging pod, removed in the next release".into(),
    });
    Report {
        findings: vec![arm, pod],
        stats: vec![
            PolicyStats {
                passed: 1,
                failed: 1,
                unknown: 2,
                undecided: 2,
            },
            PolicyStats {
                passed: 0,
                failed: 2,
                unknown: 0,
                undecided: 0,
            },
            PolicyStats::default(),
        ],
        files: vec![
            FileSummary {
                path: "arm/aks.json".into(),
                kind: FileKind::Arm,
                resources: 1,
                explicit: false,
            },
            FileSummary {
                path: "k8s/pod.yaml".into(),
                kind: FileKind::Kubernetes,
                resources: 1,
                explicit: false,
            },
        ],
        sources: [
            (Arc::from("k8s/pod.yaml"), Arc::from(POD_YAML)),
            (Arc::from("arm/aks.json"), Arc::from(ARM_JSON)),
        ]
        .into_iter()
        .collect(),
        bytes: (POD_YAML.len() + ARM_JSON.len()) as u64,
        suppressed: vec![suppressed],
        undecided: vec![Undecided {
            path: "arm/aks.json".into(),
            at: Pos::new(4, 7),
            resource: "Microsoft.ContainerService/managedClusters aks".into(),
            policies: vec![0],
        }],
        not_deployed: vec![NotDeployed {
            path: "arm/aks.json".into(),
            at: Pos::new(3, 5),
            resource: "Microsoft.Network/privateEndpoints pe".into(),
            parameters: None,
        }],
        not_linted: vec![NotLinted {
            path: "plan.json".into(),
            at: Pos::new(1, 1),
            resource: "azapi_update_resource.x".into(),
            why: "an update of a resource not in the plan",
        }],
        ..Report::default()
    }
}

fn rendered(format: OutputFormat, quiet: bool) -> String {
    let opts = RenderOptions {
        color: false,
        version: "0.0.0-snapshot",
        quiet,
    };
    let mut out = Vec::new();
    render::render(format, &report(), &rules(), &opts, &mut out).expect("renders");
    let text = String::from_utf8(out).expect("UTF-8");
    // SARIF names the working directory as %SRCROOT%: not part of what is pinned.
    let root = format!(
        "file://{}/",
        akslint::render::sarif_uri(&std::env::current_dir().unwrap().to_string_lossy())
    );
    text.replace(&root, "file:///SRCROOT/")
}

#[test]
fn human() {
    insta::assert_snapshot!(rendered(OutputFormat::Human, false));
}

#[test]
fn human_quiet_has_findings_only() {
    let quiet = rendered(OutputFormat::Human, true);
    assert!(!quiet.contains("finding"), "{quiet}");
    insta::assert_snapshot!(quiet);
}

#[test]
fn concise() {
    insta::assert_snapshot!(rendered(OutputFormat::Concise, false));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(OutputFormat::Json, false));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(rendered(OutputFormat::Sarif, false));
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(OutputFormat::Github, false));
}

#[test]
fn statistics() {
    let mut out = Vec::new();
    render::statistics(&report(), &rules(), &mut out).expect("renders");
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn step_summary() {
    insta::assert_snapshot!(render::step_summary(&report(), &rules()));
}
