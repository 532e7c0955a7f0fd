//! The language server, end to end: spawn `akslint lsp` and speak JSON-RPC to it over stdio
//! with Content-Length framing, as an editor does. Every wait has a timeout, so a hang fails
//! the test instead of blocking it.
#![allow(clippy::print_stdout)] // reports its measurements / notes on stdout

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    /// Server notifications read while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// Spawns the server and completes the handshake; returns the `initialize` result.
    fn start(root: &Path, options: Value) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_akslint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn akslint lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("a Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let msg: Value = serde_json::from_slice(&body).expect("a JSON-RPC message");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            backlog: Vec::new(),
            next_id: 0,
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "ws"}],
                "capabilities": {},
                "initializationOptions": options,
            }),
        );
        c.notify("initialized", json!({}));
        (c, init)
    }

    fn frame(msg: &Value) -> Vec<u8> {
        let body = serde_json::to_vec(msg).unwrap();
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend(body);
        out
    }

    fn write(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let f = Self::frame(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
        self.write(&f);
    }

    fn next(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed stdout before {what}"),
        }
    }

    /// Sends a request and returns its result (notifications meanwhile go to the backlog).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let f =
            Self::frame(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.write(&f);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.next(deadline, method);
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.backlog.push(msg);
        }
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        let is_it = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.backlog.iter().position(is_it) {
            return self.backlog.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.next(deadline, &format!("diagnostics for {uri}"));
            if is_it(&msg) {
                return msg["params"].clone();
            }
            self.backlog.push(msg);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// `shutdown`, then `exit`; the exit status of the server.
    fn shutdown(mut self) -> ExitStatus {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn codes(diags: &Value) -> Vec<String> {
    diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    // Symbolic links in the temporary directory's path (macOS) must not matter: use it as is.
    let root = tmp.path().to_path_buf();
    (tmp, root)
}

/// The `*` verb sits after a non-ASCII verb with an astral character (two UTF-16 units):
/// the engine's column 60 (1-based, code points) is LSP character 60 (0-based, UTF-16).
const ROLE: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
  - {apiGroups: [""], resources: ["pods"], verbs: ["ĝet🚀", "*"]}
"#;

#[test]
fn open_change_hover_code_action_shutdown() {
    let (_tmp, root) = workspace();
    let (mut c, init) = Client::start(&root, json!({}));
    let caps = &init["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental: {init}");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert_eq!(init["serverInfo"]["name"], "akslint");

    let role = uri(&root.join("role.yaml"));
    c.open(&role, ROLE);
    let d = c.diagnostics(&role);
    assert_eq!(d["version"], 1);
    assert_eq!(codes(&d), ["RBAC001"], "{d}");
    let diag = d["diagnostics"][0].clone();
    assert_eq!(
        diag["range"],
        json!({"start": {"line": 6, "character": 60}, "end": {"line": 6, "character": 63}}),
    );
    assert_eq!(diag["severity"], 1, "high is Error");
    assert_eq!(diag["source"], "akslint");
    assert_eq!(
        diag["codeDescription"]["href"],
        "https://github.com/akslint/akslint/blob/main/docs/rules.md#rbac001"
    );
    assert!(
        diag["message"].as_str().unwrap().contains("every verb"),
        "{diag}"
    );

    // Hover inside the finding's range: title, message, docs.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": role}, "position": {"line": 6, "character": 61}}),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert_eq!(h["contents"]["kind"], "markdown");
    assert!(md.contains("RBAC001"), "{md}");
    assert!(md.contains(diag["message"].as_str().unwrap()), "{md}");
    assert!(md.contains("What it does"), "the policy docs: {md}");
    assert_eq!(h["range"], diag["range"]);
    // Outside any finding: nothing.
    let none = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": role}, "position": {"line": 1, "character": 2}}),
    );
    assert_eq!(none, Value::Null);

    // The quick fix: a suppression comment above, with the line's indentation.
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": role},
            "range": diag["range"],
            "context": {"diagnostics": [diag]},
        }),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["title"], "Suppress RBAC001 on this line");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"]["changes"][&role],
        json!([{
            "range": {"start": {"line": 6, "character": 0}, "end": {"line": 6, "character": 0}},
            "newText": "  # akslint-ignore RBAC001 reason: <why>\n",
        }])
    );

    // A burst of two edits (incremental): only the last state is linted and published.
    let star = json!({"start": {"line": 6, "character": 60}, "end": {"line": 6, "character": 63}});
    let mut burst = Client::frame(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": role, "version": 2},
            "contentChanges": [{"range": star, "text": "\"**\""}],
        }}),
    );
    let star2 = json!({"start": {"line": 6, "character": 60}, "end": {"line": 6, "character": 64}});
    burst.extend(Client::frame(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": role, "version": 3},
            "contentChanges": [{"range": star2, "text": "\"list\""}],
        }}),
    ));
    c.write(&burst);
    let d = c.diagnostics(&role);
    assert_eq!(d["version"], 3, "debounced to the last change: {d}");
    assert_eq!(d["diagnostics"], json!([]), "fixed: {d}");
    let gone = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": role}, "position": {"line": 6, "character": 61}}),
    );
    assert_eq!(gone, Value::Null);

    // Breaking it again with a full-text change.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": role, "version": 4}, "contentChanges": [{"text": ROLE}]}),
    );
    let d = c.diagnostics(&role);
    assert_eq!(
        (d["version"].clone(), codes(&d)),
        (json!(4), vec!["RBAC001".to_string()])
    );

    // Closing clears the document's diagnostics.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": role}}),
    );
    let d = c.diagnostics(&role);
    assert_eq!(d["diagnostics"], json!([]));

    let status = c.shutdown();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn the_suppression_quick_fix_silences_the_finding() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let role = uri(&root.join("role.yaml"));
    c.open(&role, ROLE);
    let d = c.diagnostics(&role);
    let diag = d["diagnostics"][0].clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": role}, "range": diag["range"],
               "context": {"diagnostics": [diag]}}),
    );
    // Apply the action's edit as the editor would, as an incremental change.
    let edit = actions[0]["edit"]["changes"][&role][0].clone();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": role, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    let d = c.diagnostics(&role);
    assert_eq!(d["version"], 2);
    assert_eq!(
        d["diagnostics"],
        json!([]),
        "suppressed, and no AKL002: {d}"
    );
    assert!(c.shutdown().success());
}

const ARM_TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "acr1",
      "location": "westeurope",
      "sku": {"name": "Premium"},
      "properties": {
        "adminUserEnabled": true,
        "publicNetworkAccess": "Disabled"
      }
    }
  ]
}
"#;

#[test]
fn arm_templates_take_a_slash_comment_suppression() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let arm = uri(&root.join("main.json"));
    c.open(&arm, ARM_TEMPLATE);
    let d = c.diagnostics(&arm);
    let sec006 = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SEC006")
        .cloned()
        .unwrap_or_else(|| panic!("SEC006: {d}"));
    assert_eq!(
        sec006["range"],
        json!({"start": {"line": 11, "character": 28}, "end": {"line": 11, "character": 32}})
    );
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": arm}, "range": sec006["range"],
               "context": {"diagnostics": [sec006]}}),
    );
    let edit = actions[0]["edit"]["changes"][&arm][0].clone();
    assert_eq!(
        edit["newText"],
        "        // akslint-ignore SEC006 reason: <why>\n"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": arm, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    let d = c.diagnostics(&arm);
    assert_eq!(codes(&d), ["NET005"], "SEC006 suppressed: {d}");
    assert!(c.shutdown().success());
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels:
        app: api
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: api
      containers:
        - name: api
          image: myregistry.azurecr.io/api:1.0.0
"#;

const SERVICE_ACCOUNT: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
";

fn idn004(d: &Value) -> Option<Value> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "IDN004")
        .cloned()
}

#[test]
fn cross_resource_policies_see_other_open_documents() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let dep = uri(&root.join("deploy.yaml"));
    let sa = uri(&root.join("sa.yaml"));

    // Alone, the ServiceAccount is unknown: no IDN004.
    c.open(&dep, DEPLOYMENT);
    let d = c.diagnostics(&dep);
    assert!(!codes(&d).is_empty(), "other findings: {d}");
    assert_eq!(idn004(&d), None, "{d}");

    // The ServiceAccount opened in another document (never saved to disk).
    c.open(&sa, SERVICE_ACCOUNT);
    let d = c.diagnostics(&dep);
    let f = idn004(&d).unwrap_or_else(|| panic!("IDN004 with the ServiceAccount open: {d}"));
    assert_eq!(
        f["range"],
        json!({"start": {"line": 14, "character": 26}, "end": {"line": 14, "character": 29}})
    );
    assert_eq!(f["severity"], 1);
    let rel = &f["relatedInformation"][0]["location"];
    assert_eq!(rel["uri"], sa, "{f}");
    assert_eq!(rel["range"]["start"]["line"], 2, "{f}");
    assert!(c.diagnostics(&sa)["diagnostics"].is_array());

    // Annotating the ServiceAccount in its editor fixes the Deployment.
    let annotated = format!(
        "{SERVICE_ACCOUNT}  annotations:\n    azure.workload.identity/client-id: 00000000-0000-0000-0000-000000000000\n"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": sa, "version": 2}, "contentChanges": [{"text": annotated}]}),
    );
    let d = c.diagnostics(&dep);
    assert_eq!(idn004(&d), None, "{d}");

    assert!(c.shutdown().success());
}

#[test]
fn cross_resource_policies_see_workspace_files_and_extra_policies() {
    let (_tmp, root) = workspace();
    std::fs::write(root.join("sa.yaml"), SERVICE_ACCOUNT).unwrap();
    std::fs::create_dir(root.join("custom")).unwrap();
    std::fs::write(
        root.join("custom/ACME001.yaml"),
        "id: ACME001
name: configmap-without-owner
area: workload
severity: low
title: ConfigMap without an owner label
message: \"ConfigMap `{name}` has no `owner` label\"
help: Add an `owner` label.
references: [https://example.com/acme001]
checks:
  - on: kubernetes ConfigMap
    require: {path: 'metadata.labels.owner', exists: true}
",
    )
    .unwrap();
    let (mut c, _) = Client::start(&root, json!({"policies": ["custom"]}));

    // The ServiceAccount is only on disk, in the workspace folder.
    let dep = uri(&root.join("deploy.yaml"));
    c.open(&dep, DEPLOYMENT);
    let d = c.diagnostics(&dep);
    let f = idn004(&d).unwrap_or_else(|| panic!("IDN004 from the workspace file: {d}"));
    assert_eq!(
        f["relatedInformation"][0]["location"]["uri"],
        uri(&root.join("sa.yaml"))
    );

    // An extra policy directory from initializationOptions (relative to the folder).
    let cm = uri(&root.join("cm.yaml"));
    c.open(
        &cm,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
    );
    let d = c.diagnostics(&cm);
    assert_eq!(codes(&d), ["ACME001"], "{d}");
    assert_eq!(d["diagnostics"][0]["severity"], 3, "low is Information");
    assert_eq!(
        d["diagnostics"][0]["codeDescription"]["href"],
        "https://example.com/acme001"
    );

    // Saving after the ServiceAccount file is fixed on disk: the walk is read again.
    std::fs::write(
        root.join("sa.yaml"),
        format!("{SERVICE_ACCOUNT}  annotations:\n    azure.workload.identity/client-id: x\n"),
    )
    .unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": dep}}),
    );
    let d = c.diagnostics(&dep);
    assert_eq!(idn004(&d), None, "{d}");

    // Not a YAML/JSON file: ignored.
    c.open(&uri(&root.join("notes.txt")), "kind: Pod\n");
    assert!(c.shutdown().success());
}

#[test]
fn workspace_files_can_be_left_out() {
    let (_tmp, root) = workspace();
    std::fs::write(root.join("sa.yaml"), SERVICE_ACCOUNT).unwrap();
    let (mut c, _) = Client::start(&root, json!({"workspaceMaxMb": 0}));
    let dep = uri(&root.join("deploy.yaml"));
    c.open(&dep, DEPLOYMENT);
    let d = c.diagnostics(&dep);
    assert_eq!(idn004(&d), None, "only open documents take part: {d}");
    assert!(c.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    c.notify("exit", Value::Null);
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(s) = c.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(1));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Latency from `didOpen` (and from a `didChange`, which waits for the debounce) to
/// `publishDiagnostics`, medians over fresh servers, with the first document opened right after
/// `initialized` and 300 ms later (after the server's background warm-up). Run with a release
/// build: `cargo test --release --test lsp -- --ignored --nocapture latency`
#[test]
#[ignore = "a measurement, not a check: run on demand with --release"]
fn latency() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(repo.join("examples/k8s/insecure-app.yaml")).unwrap();
    let (_tmp, empty) = workspace();
    let runs = 11;
    let mut roots = vec![
        ("empty workspace folder".to_string(), empty),
        (
            "workspace folder examples/ (6 files)".into(),
            repo.join("examples"),
        ),
    ];
    // Any other folder, e.g. a large repository of manifests.
    if let Some(dir) = std::env::var_os("AKSLINT_LATENCY_WORKSPACE") {
        let dir = PathBuf::from(dir);
        roots.push((format!("workspace folder {}", dir.display()), dir));
    }
    for (label, root) in roots {
        for gap in [0, 300] {
            let (mut open, mut next, mut change) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..runs {
                let (mut c, _) = Client::start(&root, json!({}));
                std::thread::sleep(Duration::from_millis(gap));
                let u = uri(&root.join("k8s/insecure-app.yaml"));
                let t = Instant::now();
                c.open(&u, &text);
                let d = c.diagnostics(&u);
                open.push(t.elapsed());
                assert!(!codes(&d).is_empty());
                let second = uri(&root.join("second.yaml"));
                let t = Instant::now();
                c.open(&second, &text);
                c.diagnostics(&second);
                next.push(t.elapsed());
                let t = Instant::now();
                c.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": u, "version": 2},
                           "contentChanges": [{"text": format!("{text}# edited\n")}]}),
                );
                c.diagnostics(&u);
                change.push(t.elapsed());
                assert!(c.shutdown().success());
            }
            let ms = |v: Vec<Duration>| median(v).as_secs_f64() * 1e3;
            println!(
                "{label}, didOpen {gap} ms after initialized: first open → diagnostics {:.1} ms; \
                 another open {:.1} ms; change → diagnostics {:.1} ms (150 ms of it debounce); \
                 medians of {runs}",
                ms(open),
                ms(next),
                ms(change),
            );
        }
    }
}

#[test]
fn the_workspace_configuration_file_applies() {
    let (_tmp, root) = workspace();
    std::fs::write(
        root.join(".akslint.yaml"),
        "select: [RBAC]\nseverity:\n  RBAC001: low\nper-file-ignores:\n  'legacy/**': [RBAC001]\n",
    )
    .unwrap();
    let (mut c, _) = Client::start(&root, json!({}));
    let role = uri(&root.join("role.yaml"));
    c.open(&role, ROLE);
    let d = c.diagnostics(&role);
    assert_eq!(codes(&d), ["RBAC001"], "only the selected policies: {d}");
    assert_eq!(
        d["diagnostics"][0]["severity"], 3,
        "severity override (low): {d}"
    );
    let legacy = uri(&root.join("legacy/role.yaml"));
    c.open(&legacy, ROLE);
    let d = c.diagnostics(&legacy);
    assert!(codes(&d).is_empty(), "per-file-ignores: {d}");
    assert!(c.shutdown().success());
}

#[test]
fn chart_templates_are_skipped_and_a_missing_relative_policies_folder_is_silent() {
    let (_tmp, root) = workspace();
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let template = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    {{- toYaml .Values.containers | nindent 4 }}\n";
    let path = root.join("templates/pod.yaml");
    std::fs::write(&path, template).unwrap();
    // The documented option, in a folder that has no `policies` directory.
    let (mut c, _) = Client::start(&root, json!({"policies": ["policies"]}));
    let u = uri(&path);
    c.open(&u, template);
    let d = c.diagnostics(&u);
    assert_eq!(d["diagnostics"], json!([]), "{d}");
    // A document that is YAML still gets its diagnostics (the server lints).
    let pod = root.join("pod.yaml");
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n";
    c.open(&uri(&pod), text);
    let d = c.diagnostics(&uri(&pod));
    assert!(codes(&d).contains(&"POD001".to_string()), "{d}");
    let said: Vec<&Value> = c
        .backlog
        .iter()
        .filter(|m| {
            matches!(
                m["method"].as_str(),
                Some("window/logMessage" | "window/showMessage")
            ) && m.to_string().contains("polic")
        })
        .collect();
    assert!(said.is_empty(), "{said:?}");
    assert!(c.shutdown().success());
}

// ---------------------------------------------------------------- hostile framing (issue 15)

/// The server's peak resident memory, in MiB (Linux).
fn peak_mib(c: &Client) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", c.child.id())).ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// The next message with `"id": null` (an answer to a frame that was not a message).
fn null_id_error(c: &mut Client) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let m = c.next(deadline, "an error for the malformed frame");
        if m.get("id") == Some(&Value::Null) && m.get("error").is_some() {
            return m["error"].clone();
        }
        c.backlog.push(m);
    }
}

#[test]
fn an_absurd_content_length_is_answered_with_an_error_without_allocating_it() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    // Used to abort: the buffer was allocated before reading.
    c.write(b"Content-Length: 99999999999\r\n\r\n");
    let e = null_id_error(&mut c);
    assert_eq!(e["code"], -32600, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("exceeds the 100 MiB limit"),
        "{e}"
    );
    // The next frame is served.
    let pod = root.join("p.yaml");
    c.open(
        &uri(&pod),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
    );
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&pod)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.is_null() || r.is_object(), "{r}");
    if let Some(mib) = peak_mib(&c) {
        assert!(mib < 200, "peak {mib} MiB");
    }
    assert!(c.shutdown().success());
}

#[test]
fn malformed_frames_each_get_an_error_and_the_server_goes_on() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let bad: [&[u8]; 5] = [
        b"Content-Length: abc\r\n\r\n",
        b"no colon here\r\n\r\n",
        b"Content-Length: 9\r\n\r\n{not json",
        b"Content-Length: 6\r\n\r\n[1, 2]",
        b"Content-Length: 2\r\n\r\n\xff\xfe",
    ];
    for frame in bad {
        c.write(frame);
        let e = null_id_error(&mut c);
        assert!(matches!(e["code"].as_i64(), Some(-32600 | -32700)), "{e}");
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&root.join("x.yaml"))},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": []}}),
    );
    assert!(r.is_array() || r.is_null(), "{r}");
    assert!(c.shutdown().success());
}

#[test]
fn a_burst_of_opens_does_not_delay_shutdown() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({"workspaceMaxMb": 0}));
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n";
    let mut burst = Vec::new();
    for i in 0..1_000 {
        let u = uri(&root.join(format!("d{i:04}.yaml")));
        burst.extend(Client::frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}})));
    }
    c.write(&burst);
    let start = Instant::now();
    assert!(c.shutdown().success());
    // 46 s before (a lint per document, each of all the documents open so far).
    let took = start.elapsed();
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
}

#[test]
fn bicep_buffers_are_linted_as_typed() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let main = uri(&root.join("main.bicep"));
    let text = "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv1'\n  properties: {\n    enableRbacAuthorization: true\n    enablePurgeProtection: false\n    publicNetworkAccess: 'Disabled'\n  }\n}\n";
    c.open(&main, text);
    let d = c.diagnostics(&main);
    let sec008 = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SEC008")
        .cloned()
        .unwrap_or_else(|| panic!("SEC008: {d}"));
    assert_eq!(
        sec008["range"]["start"],
        json!({"line": 4, "character": 27})
    );
    // A syntax error while typing is a diagnostic at its place, not a crash.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 2},
               "contentChanges": [{"text": text.replace("false\n", "false 1\n")}]}),
    );
    let d = c.diagnostics(&main);
    assert_eq!(codes(&d), ["AKL001"], "{d}");
    assert!(c.shutdown().success());
}

#[test]
fn terraform_buffers_are_linted_as_typed() {
    let (_tmp, root) = workspace();
    let (mut c, _) = Client::start(&root, json!({}));
    let main = uri(&root.join("main.tf"));
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/policies/NET003/fail-src/main.tf");
    let text = std::fs::read_to_string(fixture).unwrap();
    // The module as saved; the editor then changes the buffer without saving.
    std::fs::write(root.join("main.tf"), &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("# expect: NET003"))
        .expect("the fixture marks its NET003 line");
    c.open(&main, &text);
    let d = c.diagnostics(&main);
    let net003: Vec<&Value> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "NET003")
        .collect();
    assert_eq!(net003.len(), 1, "{d}");
    // The unsaved buffer's text is what is linted: the `network_profile` block lacking
    // `network_policy`, on the line the fixture marks (LSP lines are 0-based).
    assert_eq!(net003[0]["range"]["start"]["line"], line, "{d}");
    // Typing the fix clears it, without saving.
    let fixed = text.replace(
        "network_plugin = \"azure\"",
        "network_plugin = \"azure\"\n    network_policy = \"cilium\"",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 2},
               "contentChanges": [{"text": fixed}]}),
    );
    let d = c.diagnostics(&main);
    assert!(!codes(&d).contains(&"NET003".to_string()), "{d}");
    // A syntax error while typing is a diagnostic at its place, not a crash.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main, "version": 3},
               "contentChanges": [{"text": fixed.replace("network_profile {", "network_profile {{")}]}),
    );
    let d = c.diagnostics(&main);
    assert!(codes(&d).contains(&"AKL001".to_string()), "{d}");
    assert!(c.shutdown().success());
}
