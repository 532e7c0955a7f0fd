//! Cross-layer policies need both sides in the run: silent with one side, firing with both.

mod common;

use common::run;

fn xl_ids(args: &[&str]) -> Vec<String> {
    let mut a = vec!["check", "--no-config", "--select", "XL", "--format", "json"];
    a.extend_from_slice(args);
    let r = run(&a);
    assert!(!r.stderr.contains("panicked"), "{r:?}");
    r.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn manifests_alone_and_iac_alone_are_silent() {
    assert!(xl_ids(&["testdata/cli/xl-silent"]).is_empty());
    assert!(xl_ids(&["testdata/cli/xl-silent-iac"]).is_empty());
}

#[test]
fn both_sides_together_fire_every_cross_layer_policy() {
    let ids = xl_ids(&["testdata/cli/xl-silent", "testdata/cli/xl-silent-iac"]);
    assert_eq!(ids.iter().filter(|i| *i == "XL001").count(), 1, "{ids:?}");
    assert_eq!(ids.iter().filter(|i| *i == "XL002").count(), 1, "{ids:?}");
    assert_eq!(ids.iter().filter(|i| *i == "XL003").count(), 1, "{ids:?}");
    assert_eq!(ids.iter().filter(|i| *i == "XL004").count(), 2, "{ids:?}");
}
