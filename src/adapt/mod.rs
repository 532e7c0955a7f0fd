//! Turning parsed documents into resources.

pub mod arm;
pub mod bicep;
pub mod helm;
pub mod kubernetes;
pub mod locate;
pub mod secrets;
pub mod terraform;
pub mod tfplan;
