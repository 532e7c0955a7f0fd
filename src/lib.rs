//! akslint: a fast, offline security linter for AKS platform code.
//!
//! The pipeline (DESIGN §4): [`discover`] → [`engine`] (read → load: [`source`] parses into
//! spanned trees, [`adapt`] turns documents into resources → check: [`policy`] per resource,
//! then cross-resource relations → linter findings → [`suppress`], one stage) → a
//! [`model::Report`] → [`render`], pure functions of the report and the rule table. Each stage
//! in a paragraph: docs/architecture.md; the house rule is enforced by tests/architecture.rs.

pub mod adapt;
pub mod config;
pub mod confine;
pub mod discover;
pub mod engine;
pub mod harness;
pub mod model;
pub mod policy;
pub mod render;
pub mod source;
pub mod suppress;

/// The version printed in outputs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
