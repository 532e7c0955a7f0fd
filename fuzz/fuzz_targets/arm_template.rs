//! ARM evaluator: the input is parsed as JSON and, when it is an object, loaded as a whole
//! template (parameters, variables, functions, copy loops, nested deployments, expressions).
#![no_main]

use akslint::adapt::arm;
use akslint::model::Value;
use akslint::source::{Limits, LineIndex, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let lines = LineIndex::new(text);
    if let Ok(Some(root)) = json::load(text, &lines, Limits::default()) {
        if matches!(root.value, Value::Map(_)) {
            let _ = arm::load(0, "t.json", &root, &[], None);
        }
    }
});
