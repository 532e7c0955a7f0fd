//! YAML loader (YAML 1.1 schema, default limits): any text must load or fail cleanly.
#![no_main]

use akslint::source::{Limits, scalar::Schema, yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = yaml::load(text, Schema::Yaml11, Limits::default());
});
