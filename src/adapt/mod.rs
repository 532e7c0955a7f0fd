//! Turning parsed documents into resources.

pub mod helm;
pub mod kubernetes;
