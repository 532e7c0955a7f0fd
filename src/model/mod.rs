//! The format-neutral model every stage after loading works on.

pub mod identity;
mod node;
mod resource;
mod span;

pub use node::{Entry, Node, Value};
pub use resource::{
    ArmOrigin, BicepSource, Format, Resource, ResourceId, TfModuleSource, TfOrigin, TfSource,
};
pub use span::{Pos, Span};
