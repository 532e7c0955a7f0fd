//! No output prints a secret value (issue 15): Secret `data`/`stringData`, env `value:`
//! literals, kubeconfig keys, ConfigMap credentials, ARM secure parameter defaults and the
//! parameters-file values of secure parameters, credential-named keys anywhere, Helm chart
//! templates, text past a syntax error, a duplicated key's first value, `{name, value}` pairs,
//! messages quoting a value. 31 distinct secrets
//! are planted next to findings (so code frames and their
//! context lines cover them); every format and `akslint resources` is searched for them.

mod common;

use common::{Run, command, finish, run_in, write};

/// `PLANTED-nn-…`: unmistakable, and each on its own line of the inputs.
fn planted(n: usize) -> String {
    format!("PLANTEDx{n:02}xQz7Rk9Vw")
}

fn tree() -> (tempfile::TempDir, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let p = planted;
    write(
        d,
        "k8s.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  user: {}\n  pass: {}\nstringData:\n  token: {}\n  note: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      env:\n        - name: DB_PASSWORD\n          value: {}\n        - name: MODE\n          value: \"{}\"\n        - name: API_URL\n          value: https://user:{}@api.example.com\n      securityContext:\n        privileged: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  DB_PASSWORD: {}\n  dbPassword: {}\n  conn: \"Server=x;Password={}\"\n  api-key: {}\n",
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8),
            p(9),
            p(10),
            p(11)
        ),
    );
    write(
        d,
        "kubeconfig.yaml",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster:\n      server: https://aks.example.com\nusers:\n  - name: admin\n    user:\n      client-key-data: {}\n      client-certificate-data: {}\n      token: {}\n      password: {}\n",
            p(12),
            p(31),
            p(13),
            p(14)
        ),
    );
    write(
        d,
        "main.json",
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {{
    "adminSecret": {{"type": "securestring", "defaultValue": "{}"}},
    "dbPassword": {{"type": "string", "defaultValue": "{}"}},
    "sshKey": {{"type": "secureObject", "defaultValue": {{"k": "{}"}}}},
    "fromFile": {{"type": "securestring"}}
  }},
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-05-01",
      "name": "aks",
      "location": "westeurope",
      "properties": {{
        "windowsProfile": {{"adminUsername": "azureuser", "adminPassword": "{}"}},
        "servicePrincipalProfile": {{"clientId": "x", "secret": "{}"}},
        "siteConfig": {{"appSettings": [{{"name": "DB_PASSWORD", "value": "{}"}}]}},
        "tags": {{"n": "[int(parameters('adminSecret'))]"}},
        "disableLocalAccounts": false
      }}
    }}
  ]
}}
"#,
            p(15),
            p(16),
            p(17),
            p(18),
            p(19),
            p(29)
        ),
    );
    write(
        d,
        "main.parameters.json",
        format!(
            "{{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {{\n    \"fromFile\": {{\"value\": \"{}\"}},\n    \"adminSecret\": {{\"value\": \"{}\"}}\n  }}\n}}\n",
            p(20),
            p(21)
        ),
    );
    write(
        d,
        "chart/templates/pod.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{{{ .Release.Name }}}}\n  annotations:\n    password: {}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      env:\n        - name: A\n          value: {}\n      securityContext:\n        privileged: true\n",
            p(22),
            p(30)
        ),
    );
    write(
        d,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    );
    write(
        d,
        "rendered.yaml",
        format!(
            "---\n# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: r\n  annotations:\n    password: {}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.25\n      env:\n        - {{name: A, value: {}}}\n      securityContext:\n        privileged: true\n",
            p(23),
            p(24)
        ),
    );
    // A kubeconfig-like key and a private key in a plain manifest.
    write(
        d,
        "pem.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tls\ndata:\n  tls.key: \"-----BEGIN RSA PRIVATE KEY-----{}\"\n  sastoken: {}\n",
            p(25),
            p(26)
        ),
    );
    // Past a syntax error nothing is parsed: the frame of the AKL001 shows these lines.
    write(
        d,
        "broken.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  a: [unclosed\n  password: {}\n",
            p(27)
        ),
    );
    // A duplicated key's first value is linted too, so it is shown too: masked as well.
    write(
        d,
        "dup.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: d\nstringData:\n  user: {}\n  user: other\n",
            p(28)
        ),
    );
    (tmp, 31)
}

fn assert_clean(r: &Run, n: usize, what: &str) {
    for i in 1..=n {
        let s = planted(i);
        assert!(
            !r.stdout.contains(&s) && !r.stderr.contains(&s),
            "{what}: secret {i} printed\n{}{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn no_output_format_prints_a_planted_secret() {
    let (tmp, n) = tree();
    let d = tmp.path();
    let before = run_in(d, &["check", "--format", "json", "."]);
    let findings = before.json()["findings"].as_array().unwrap().len();
    assert!(findings >= 10, "{before:?}");
    let summary = d.join("summary.md");
    for format in ["human", "concise", "github", "json", "sarif"] {
        let out = command(d)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args([
                "check",
                "--format",
                format,
                "--statistics",
                "--show-suppressed",
                ".",
            ])
            .output()
            .unwrap();
        let r = finish(out);
        assert_eq!(r.code, 1, "{format}: {r:?}");
        assert_clean(&r, n, format);
    }
    let md = std::fs::read_to_string(&summary).unwrap();
    for i in 1..=n {
        assert!(!md.contains(&planted(i)), "job summary: secret {i}");
    }
    let r = run_in(d, &["resources", "."]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_clean(&r, n, "resources");
    assert!(r.stdout.contains("(secret)"), "{}", r.stdout);

    // The frames still show where: the keys, the lines, the columns.
    let human = run_in(
        d,
        &[
            "check",
            "--format",
            "human",
            "--select",
            "POD001,SEC001,SEC002,SEC009,SEC010",
            ".",
        ],
    );
    for shown in [
        "DB_PASSWORD",
        "client-key-data",
        "privileged: true",
        "value: ****",
    ] {
        assert!(human.stdout.contains(shown), "{shown}:\n{}", human.stdout);
    }
    let after = run_in(d, &["check", "--format", "json", "."]);
    assert_eq!(before.stdout, after.stdout, "masking moves no finding");
}
