//! The whole engine (detection, parsing, adapters, built-in policies, suppressions) on one
//! in-memory input. The first byte picks the display name: even → `f.yaml`, odd → `f.json`.
//!
//! The engine turns a panic inside one file into a finding (`catch_unwind`), but libfuzzer-sys
//! installs a panic hook that aborts, so such panics are still reported here as crashes.
#![no_main]

use std::sync::OnceLock;

use akslint::discover::{Input, Origin};
use akslint::engine::{self, Options};
use akslint::policy::PolicySet;
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| PolicySet::load(&[]).expect("built-in policies load"))
}

fuzz_target!(|text: &str| {
    let display = if text.as_bytes().first().is_some_and(|b| b % 2 == 1) {
        "f.json"
    } else {
        "f.yaml"
    };
    let input = Input {
        display: display.into(),
        origin: Origin::Stdin(text.into()),
        explicit: true,
    };
    let _ = engine::run(&[input], policies(), &Options::default());
});
