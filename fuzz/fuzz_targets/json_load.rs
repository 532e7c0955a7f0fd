//! JSON loader (JSONC, default limits): any text must load or fail cleanly.
#![no_main]

use akslint::source::{Limits, LineIndex, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let lines = LineIndex::new(text);
    let _ = json::load(text, &lines, Limits::default());
});
