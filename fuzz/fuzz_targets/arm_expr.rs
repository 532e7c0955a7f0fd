//! ARM template-expression parser: any string (e.g. `[concat('a', parameters('p'))]`).
#![no_main]

use akslint::adapt::arm::expr::parse_template_string;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let _ = parse_template_string(s);
});
