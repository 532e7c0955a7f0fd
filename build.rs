//! Policies are embedded with `include_dir!`, which cargo does not track: rebuild when any
//! file under policies/ changes, is added or is removed.
fn main() {
    println!("cargo:rerun-if-changed=policies");
}
