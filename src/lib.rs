//! akslint: a fast, offline security linter for AKS platform code.
//!
//! The pipeline (DESIGN §4): [`discover`] → [`source`] (parse into spanned trees) → [`adapt`]
//! (documents to resources) → [`policy`] (checks, then cross-resource relations) →
//! [`suppress`] → [`render`]. Each stage in a paragraph, and where it is going: docs/architecture.md.

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
