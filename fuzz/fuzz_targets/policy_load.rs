//! Policy loader: any text as a user policy file `p.yaml` (YAML, then schema and compile checks).
#![no_main]

use akslint::policy::load::parse_policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = parse_policy(text, "p.yaml", None, false);
});
