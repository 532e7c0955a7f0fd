//! The protocol loop: handshake, document notifications, debounced linting, requests.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWorkspaceFolders, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    LogMessageParams, MessageType, OneOf, PositionEncodingKind, PublishDiagnosticsParams,
    SaveOptions, ServerCapabilities, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde_json::{Value, json};

use super::store::Documents;
use super::workspace::{self, Settings, Workspace};
use super::{actions, diagnostics, hover, uri};

/// Lint this long after the last change of a burst of typing.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

type Result<T> = std::result::Result<T, String>;

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    }
}

/// Serves one client until `exit`; returns the process exit code (0 after `shutdown`, 1 when
/// `exit` came without it, as the protocol asks).
pub fn run(conn: Connection) -> Result<u8> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let result = json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "akslint", "version": akslint::VERSION},
    });
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        conn,
        docs: Documents::default(),
        settings: Settings::default(),
        workspaces: Vec::new(),
        deadline: None,
    };
    server.start(&params);
    server.main_loop()
}

struct Server {
    conn: Connection,
    docs: Documents,
    settings: Settings,
    /// `workspaces[0]` holds the documents outside every workspace folder.
    workspaces: Vec<Workspace>,
    /// When to lint the dirty workspaces next.
    deadline: Option<Instant>,
}

/// The workspace folders of `initialize` (`workspaceFolders`, else `rootUri` / `rootPath`).
fn roots(params: &Value) -> Vec<PathBuf> {
    if let Some(folders) = params.get("workspaceFolders").and_then(Value::as_array) {
        return folders
            .iter()
            .filter_map(|f| f.get("uri")?.as_str())
            .filter_map(folder_path)
            .collect();
    }
    if let Some(root) = params.get("rootUri").and_then(Value::as_str) {
        return folder_path(root).into_iter().collect();
    }
    params
        .get("rootPath")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .into_iter()
        .collect()
}

fn folder_path(u: &str) -> Option<PathBuf> {
    uri::to_path(&Uri::from_str(u).ok()?)
}

impl Server {
    fn start(&mut self, params: &Value) {
        match params.get("initializationOptions") {
            None | Some(Value::Null) => {}
            Some(v) => match serde_json::from_value(v.clone()) {
                Ok(s) => self.settings = s,
                Err(e) => self.show(
                    MessageType::ERROR,
                    format!("akslint: initializationOptions: {e}"),
                ),
            },
        }
        self.add_workspace(None);
        for root in roots(params) {
            self.add_workspace(Some(root));
        }
        workspace::warm_up(
            self.workspaces
                .iter()
                .map(|w| w.config.set.clone())
                .collect(),
        );
    }

    fn add_workspace(&mut self, root: Option<PathBuf>) {
        let started = Instant::now();
        let (mut ws, problem) = Workspace::open(root, &self.settings);
        if let Some(p) = problem {
            self.show(MessageType::WARNING, format!("akslint: {p}"));
        }
        if let Some(note) = ws.rescan() {
            self.log(format!("akslint: {note}"));
        }
        if let Some(r) = &ws.root {
            self.log(format!(
                "akslint: workspace {} ready in {} ms",
                r.display(),
                started.elapsed().as_millis()
            ));
        }
        self.workspaces.push(ws);
    }

    fn main_loop(mut self) -> Result<u8> {
        loop {
            let msg = match self.deadline {
                Some(at) => match self.conn.receiver.recv_deadline(at) {
                    Ok(m) => m,
                    // What is queued comes first: a burst of 1,000 `didOpen`s is linted
                    // once, not once per document, and a `shutdown` behind it is answered
                    // without linting for nothing.
                    Err(e) if e.is_timeout() => match self.conn.receiver.try_recv() {
                        Ok(m) => m,
                        Err(_) => {
                            self.lint()?;
                            continue;
                        }
                    },
                    Err(_) => return Err("the client went away".into()),
                },
                None => self
                    .conn
                    .receiver
                    .recv()
                    .map_err(|_| "the client went away".to_string())?,
            };
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(0);
                    }
                    self.on_request(req)?;
                }
                Message::Notification(n) if n.method == "exit" => return Ok(1),
                Message::Notification(n) => self.on_notification(n)?,
                Message::Response(_) => {}
            }
        }
    }

    /// Lint at `at` at the latest (earlier if already due).
    fn schedule(&mut self, at: Instant) {
        self.deadline = Some(self.deadline.map_or(at, |d| d.min(at)));
    }

    /// Lint after the burst of changes this one belongs to.
    fn postpone(&mut self) {
        self.deadline = Some(Instant::now() + DEBOUNCE);
    }

    /// The workspace whose folder holds `path` most closely.
    fn workspace_of(&self, path: &std::path::Path) -> usize {
        self.workspaces
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.contains(path).map(|depth| (depth, i)))
            .max()
            .map_or(0, |(_, i)| i)
    }

    fn mark_dirty(&mut self, u: &Uri) {
        if let Some(path) = self.docs.get(u).map(|d| d.path.clone()) {
            let i = self.workspace_of(&path);
            self.workspaces[i].dirty = true;
        }
    }

    fn on_notification(&mut self, n: Notification) -> Result<()> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidOpenTextDocumentParams>(n) else {
                    return Ok(());
                };
                let doc = p.text_document;
                if self.docs.open(doc.uri.clone(), doc.version, doc.text) {
                    self.mark_dirty(&doc.uri);
                    // Right away; documents opened together are still linted together, as
                    // queued messages are read before the deadline is checked.
                    self.schedule(Instant::now());
                }
            }
            DidChangeTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidChangeTextDocumentParams>(n) else {
                    return Ok(());
                };
                let doc = p.text_document;
                if self.docs.change(&doc.uri, doc.version, p.content_changes) {
                    self.mark_dirty(&doc.uri);
                    self.postpone();
                }
            }
            DidSaveTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidSaveTextDocumentParams>(n) else {
                    return Ok(());
                };
                if let Some(path) = self.docs.get(&p.text_document.uri).map(|d| d.path.clone()) {
                    let i = self.workspace_of(&path);
                    if let Some(note) = self.workspaces[i].rescan() {
                        self.log(format!("akslint: {note}"));
                    }
                    self.workspaces[i].dirty = true;
                    self.schedule(Instant::now());
                }
            }
            DidCloseTextDocument::METHOD => {
                let Some(p) = self.params::<lsp_types::DidCloseTextDocumentParams>(n) else {
                    return Ok(());
                };
                self.mark_dirty(&p.text_document.uri);
                if self.docs.close(&p.text_document.uri).is_some() {
                    self.publish(p.text_document.uri, Vec::new(), None)?;
                    // Other documents may have depended on its unsaved text.
                    self.postpone();
                }
            }
            DidChangeWorkspaceFolders::METHOD => {
                let Some(p) = self.params::<lsp_types::DidChangeWorkspaceFoldersParams>(n) else {
                    return Ok(());
                };
                for gone in &p.event.removed {
                    let path = uri::to_path(&gone.uri);
                    self.workspaces
                        .retain(|w| w.root.is_none() || w.root != path);
                }
                for added in p.event.added {
                    if let Some(root) = uri::to_path(&added.uri) {
                        self.add_workspace(Some(root));
                    }
                }
                for w in &mut self.workspaces {
                    w.dirty = true;
                }
                self.schedule(Instant::now());
            }
            _ => {}
        }
        Ok(())
    }

    fn on_request(&mut self, req: Request) -> Result<()> {
        let response = match req.method.as_str() {
            HoverRequest::METHOD => {
                // Answer about the text as it is now, not as it was before the last edits.
                self.lint_if_pending()?;
                let (id, p) = match extract_request::<lsp_types::HoverParams>(req) {
                    Ok(x) => x,
                    Err(bad) => return self.send(bad.into()),
                };
                let at = p.text_document_position_params;
                let h = self
                    .docs
                    .get(&at.text_document.uri)
                    .and_then(|d| hover::hover(d, at.position));
                Response::new_ok(id, h)
            }
            CodeActionRequest::METHOD => {
                let (id, p) = match extract_request::<lsp_types::CodeActionParams>(req) {
                    Ok(x) => x,
                    Err(bad) => return self.send(bad.into()),
                };
                let actions = self
                    .docs
                    .get(&p.text_document.uri)
                    .map(|d| actions::code_actions(d, &p))
                    .unwrap_or_default();
                Response::new_ok(id, actions)
            }
            _ => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("akslint does not handle {}", req.method),
            ),
        };
        self.send(response.into())
    }

    fn lint_if_pending(&mut self) -> Result<()> {
        if self.deadline.is_some() {
            self.lint()?;
        }
        Ok(())
    }

    /// Lints every dirty workspace and publishes what changed for its open documents.
    fn lint(&mut self) -> Result<()> {
        self.deadline = None;
        for i in 0..self.workspaces.len() {
            if !std::mem::take(&mut self.workspaces[i].dirty) {
                continue;
            }
            let members: Vec<Uri> = self
                .docs
                .iter()
                .filter(|d| self.workspace_of(&d.path) == i)
                .map(|d| d.uri.clone())
                .collect();
            if members.is_empty() {
                continue;
            }
            let ws = &self.workspaces[i];
            let outcome = {
                let docs: Vec<_> = members.iter().filter_map(|u| self.docs.get(u)).collect();
                let Some(result) = ws.lint(&docs) else {
                    self.show(
                        MessageType::ERROR,
                        "akslint: internal error while linting (see the server's stderr); please report it".into(),
                    );
                    continue;
                };
                diagnostics::convert(&result, &ws.config.set, &docs, ws.root.as_deref())
            };
            for (u, linted) in members.into_iter().zip(outcome) {
                let Some(doc) = self.docs.get_mut(&u) else {
                    continue;
                };
                // A document that only took part (its text is as it was) is published again
                // only when what other documents changed altered its diagnostics.
                let unchanged = !std::mem::take(&mut doc.edited)
                    && doc
                        .lint
                        .as_ref()
                        .is_some_and(|old| old.diagnostics == linted.diagnostics);
                let version = doc.version;
                let diags = linted.diagnostics.clone();
                doc.lint = Some(linted);
                if !unchanged {
                    self.publish(u, diags, Some(version))?;
                }
            }
        }
        Ok(())
    }

    fn publish(
        &self,
        uri: Uri,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) -> Result<()> {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into())
    }

    /// A notification's parameters; malformed ones are logged and ignored.
    fn params<P: serde::de::DeserializeOwned>(&self, n: Notification) -> Option<P> {
        let method = n.method.clone();
        n.extract(&method)
            .map_err(|e| self.log(format!("akslint: ignored a malformed {method}: {e:?}")))
            .ok()
    }

    fn log(&self, message: String) {
        let params = LogMessageParams {
            typ: MessageType::LOG,
            message,
        };
        let _ = self.send(Notification::new(LogMessage::METHOD.into(), params).into());
    }

    fn show(&self, typ: MessageType, message: String) {
        let params = ShowMessageParams { typ, message };
        let _ = self.send(Notification::new(ShowMessage::METHOD.into(), params).into());
    }

    fn send(&self, msg: Message) -> Result<()> {
        self.conn
            .sender
            .send(msg)
            .map_err(|_| "the client went away".to_string())
    }
}

/// A request's id and parameters, or the error response to send for malformed ones.
fn extract_request<P: serde::de::DeserializeOwned>(
    req: Request,
) -> std::result::Result<(lsp_server::RequestId, P), Response> {
    let (id, method) = (req.id.clone(), req.method.clone());
    req.extract(&method).map_err(|e| {
        Response::new_err(
            id,
            ErrorCode::InvalidParams as i32,
            format!("malformed {method}: {e:?}"),
        )
    })
}
