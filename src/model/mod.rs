//! The format-neutral model every stage after loading works on, and the report every output
//! is rendered from (the ground floor: it imports nothing of the crate).

pub mod identity;
mod lines;
mod node;
pub mod paths;
pub mod report;
mod resource;
mod rule;
pub mod secret;
mod severity;
mod span;
pub mod text;

pub use lines::LineIndex;
pub use node::{Entry, Node, Value};
pub use report::{
    FileKind, FileSummary, Finding, LinterCode, NotDeployed, NotLinted, PolicyStats,
    RelatedLocation, Report, Suppression, SuppressionKind, Undecided, fingerprint,
};
pub use resource::{
    ArmOrigin, BicepOrigin, BicepSource, Format, Resource, ResourceId, TfModuleSource, TfOrigin,
    TfSource,
};
pub use rule::{RuleDocs, RuleInfo};
pub use severity::{Level, Severity};
pub use span::{Pos, Span};
