//! Turning parsed documents into resources.

pub mod arm;
pub mod helm;
pub mod kubernetes;
pub mod secrets;
pub mod terraform;
pub mod tfplan;
