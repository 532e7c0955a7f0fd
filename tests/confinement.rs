//! Files named by repository content are read only from inside the scanned root (issue 15):
//! Helm `# Source:` templates, `.akslint.yaml` `policies:`, ARM parameters files and `.bicep`
//! beside a template (Terraform module sources: tests/tfplan.rs). Each case plants a marker
//! in a file outside the repository and checks that no output shows it; paths named on the
//! command line stay unrestricted. Every tree is a temporary directory `repo/` (with `.git`)
//! beside `outside/`.

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::{Run, run_in, write};

const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: myacr.azurecr.io/app:1.0\n      securityContext:\n        privileged: true\n";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "repo/.git/HEAD", "ref: refs/heads/main\n");
    dir
}

fn all_formats(repo: &Path, args: &[&str]) -> Vec<Run> {
    ["human", "concise", "json", "sarif", "github"]
        .iter()
        .map(|f| {
            let mut a = args.to_vec();
            a.extend(["--format", f]);
            run_in(repo, &a)
        })
        .collect()
}

fn assert_not_shown(runs: &[Run], marker: &str) {
    for r in runs {
        assert!(
            !r.stdout.contains(marker) && !r.stderr.contains(marker),
            "{marker} shown: {r:?}"
        );
    }
}

/// (path, line) of every finding of a JSON run.
fn locations(r: &Run) -> Vec<(String, u64)> {
    r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_helm_template_linked_out_of_the_repository_is_not_read() {
    let dir = tree();
    let repo = dir.path().join("repo");
    let outside = format!("# OUTSIDE-HELM-TEXT\n{PRIVILEGED}");
    write(dir.path(), "outside/pod.yaml", &outside);
    std::fs::create_dir_all(repo.join("chart/templates")).unwrap();
    symlink(
        dir.path().join("outside/pod.yaml"),
        repo.join("chart/templates/pod.yaml"),
    )
    .unwrap();
    let rendered = format!("---\n# Source: chart/templates/pod.yaml\n{PRIVILEGED}");
    write(&repo, "out/rendered.yaml", &rendered);
    let args = ["check", "--select", "POD001", "out/rendered.yaml"];
    let runs = all_formats(&repo, &args);
    assert_not_shown(&runs, "OUTSIDE-HELM-TEXT");
    // The finding stays on the rendered file.
    assert_eq!(locations(&runs[2]), [("out/rendered.yaml".to_string(), 12)]);

    // A real file in the tree is used (the lookup still works).
    std::fs::remove_file(repo.join("chart/templates/pod.yaml")).unwrap();
    write(&repo, "chart/templates/pod.yaml", &outside);
    let r = run_in(
        &repo,
        &[
            "check",
            "--select",
            "POD001",
            "--format",
            "json",
            "out/rendered.yaml",
        ],
    );
    assert_eq!(
        locations(&r),
        [("chart/templates/pod.yaml".to_string(), 11)]
    );
}

#[test]
fn an_absolute_input_path_does_not_look_for_templates_above_the_repository() {
    let dir = tree();
    let repo = dir.path().join("repo");
    // Beside the repository, as the lookup from an absolute path used to find it.
    write(
        dir.path(),
        "chart/templates/pod.yaml",
        format!("# OUTSIDE-HELM-TEXT\n{PRIVILEGED}"),
    );
    let rendered = format!("---\n# Source: chart/templates/pod.yaml\n{PRIVILEGED}");
    write(&repo, "out/rendered.yaml", &rendered);
    let abs = repo.join("out/rendered.yaml");
    let abs = abs.to_str().unwrap();
    let runs = all_formats(&repo, &["check", "--select", "POD001", abs]);
    assert_not_shown(&runs, "OUTSIDE-HELM-TEXT");
    let json = &runs[2];
    assert_eq!(json.code, 1, "{json:?}");
    assert!(
        locations(json)[0].0.ends_with("repo/out/rendered.yaml"),
        "{json:?}"
    );
}

#[test]
fn configuration_policies_outside_the_repository_are_refused_unread() {
    let dir = tree();
    let repo = dir.path().join("repo");
    write(
        dir.path(),
        "outside-pol/bad.yaml",
        "id: X001\nOUTSIDE-POLICY-LINE: [\n",
    );
    write(&repo, "pod.yaml", PRIVILEGED);
    let abs = dir.path().join("outside-pol");
    for entry in ["../outside-pol".to_string(), abs.display().to_string()] {
        write(&repo, ".akslint.yaml", format!("policies: ['{entry}']\n"));
        for r in all_formats(&repo, &["check", "pod.yaml"]) {
            assert_eq!(r.code, 2, "{r:?}");
            assert!(r.stderr.contains("resolves outside"), "{r:?}");
            assert_not_shown(std::slice::from_ref(&r), "OUTSIDE-POLICY-LINE");
        }
    }
    // The same directory named on the command line is the user's choice: it is read.
    std::fs::remove_file(repo.join(".akslint.yaml")).unwrap();
    let r = run_in(
        &repo,
        &["check", "--policies", abs.to_str().unwrap(), "pod.yaml"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("OUTSIDE-POLICY-LINE"), "{r:?}");
}

#[test]
fn parameters_files_and_bicep_linked_out_of_the_repository_are_not_read() {
    let dir = tree();
    let repo = dir.path().join("repo");
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"dla": {"type": "bool", "defaultValue": true}},
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "aks",
      "location": "westeurope",
      "properties": {"disableLocalAccounts": "[parameters('dla')]"}
    }
  ]
}
"#;
    write(&repo, "main.json", template);
    write(
        dir.path(),
        "outside/params.json",
        "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {\n    \"marker\": {\"value\": \"OUTSIDE-PARAM-TEXT\"},\n    \"dla\": {\"value\": false}\n  }\n}\n",
    );
    write(
        dir.path(),
        "outside/main.bicep",
        "// OUTSIDE-BICEP-TEXT\nresource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: 'aks'\n}\n",
    );
    symlink(
        dir.path().join("outside/params.json"),
        repo.join("main.parameters.json"),
    )
    .unwrap();
    symlink(
        dir.path().join("outside/main.bicep"),
        repo.join("main.bicep"),
    )
    .unwrap();
    let runs = all_formats(&repo, &["check", "--select", "AUTH001", "main.json"]);
    assert_not_shown(&runs, "OUTSIDE-PARAM-TEXT");
    assert_not_shown(&runs, "OUTSIDE-BICEP-TEXT");
    assert_not_shown(&runs, "main.bicep");
    // Evaluated with the default (local accounts disabled): nothing found.
    assert_eq!(
        locations(&runs[2]),
        Vec::<(String, u64)>::new(),
        "{:?}",
        runs[2]
    );

    // Named on the command line, the same parameters file is used.
    let outside = dir.path().join("outside/params.json");
    let r = run_in(
        &repo,
        &[
            "check",
            "--select",
            "AUTH001",
            "--format",
            "json",
            "--arm-parameters",
            outside.to_str().unwrap(),
            "main.json",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
}

#[test]
fn a_bicep_beside_a_template_linked_to_dev_zero_is_not_read() {
    let dir = tree();
    let repo = dir.path().join("repo");
    write(
        &repo,
        "main.json",
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [{\"type\": \"Microsoft.ContainerService/managedClusters\", \"apiVersion\": \"2024-05-01\", \"name\": \"aks\", \"properties\": {}}]}\n",
    );
    symlink("/dev/zero", repo.join("main.bicep")).unwrap();
    symlink("/dev/zero", repo.join("main.parameters.json")).unwrap();
    let start = std::time::Instant::now();
    let r = run_in(
        &repo,
        &[
            "check",
            "--select",
            "AUTH001",
            "--format",
            "json",
            "main.json",
        ],
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(locations(&r), [("main.json".to_string(), 1)], "{r:?}");
}
