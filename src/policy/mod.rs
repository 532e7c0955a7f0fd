//! The declarative policy language: file schema, loading, compilation, evaluation.

pub mod catalog;
pub mod compile;
pub mod decode;
pub mod eval;
pub mod json_schema;
pub mod load;
pub mod ops;
pub mod parse;
pub mod path;
pub mod relate;
pub mod schema;
pub mod template;

pub use compile::PolicySet;
pub use load::{LoadError, PolicyError};
pub use schema::{Area, Level, Policy, Severity};
