//! `akslint lsp`: a language server over stdio that lints YAML/JSON documents as they are
//! typed, with the same engine as `akslint check` (docs/editors.md).
//!
//! - `server`: the protocol loop (handshake, notifications, debounce, requests);
//! - `store`: the open documents and their last lint;
//! - `workspace`: per workspace folder, the policies/options and the files on disk;
//! - `diagnostics`: findings → LSP diagnostics;
//! - `hover`, `actions`: hover text and suppression quick fixes;
//! - `text`, `uri`: position and URI conversions;
//! - `transport`: stdio framing that survives a client sending garbage.

mod actions;
mod diagnostics;
mod hover;
mod server;
mod store;
mod text;
pub mod transport;
mod uri;
mod workspace;

pub use server::run;
