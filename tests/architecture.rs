//! The house rule (DESIGN §4), enforced: each layer of `src/` imports only the layers below
//! it. model → nothing; source (with confine, the bounded reads) → model; adapt → model,
//! source; policy → model; suppress, config, render → model; discover → model; engine →
//! all of those; the harness, cli and lsp → everything. A new import that breaks it fails
//! here with the file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer a file of `src/` belongs to.
fn layer(rel: &str) -> &'static str {
    let first = rel.split('/').next().unwrap_or(rel);
    match first.trim_end_matches(".rs") {
        "model" => "model",
        "source" | "confine" => "source",
        "adapt" => "adapt",
        "policy" => "policy",
        "suppress" => "suppress",
        "config" => "config",
        "render" => "render",
        "discover" => "discover",
        "engine" => "engine",
        "harness" => "harness",
        "cli" | "lsp" | "main" | "lib" => "top",
        other => panic!("src/{rel}: no layer for `{other}` (add it to tests/architecture.rs)"),
    }
}

/// Files that read and parse a file of their own (not an input) with the source floor's
/// bounded reader and YAML parser, instead of every caller doing it for them: the one
/// accepted exception to "only model", each with its reason (docs/architecture.md).
const READS_ITS_OWN_FILE: &[(&str, &str)] = &[
    (
        "config.rs",
        ".akslint.yaml is YAML, read with the spanned parser for its diagnostics",
    ),
    (
        "policy/load.rs",
        "reads --policies directories with the bounded reader",
    ),
    (
        "policy/parse.rs",
        "the policy reader, also run by build.rs over the built-in policies",
    ),
    (
        "suppress/baseline.rs",
        "the baseline file is read with the bounded reader",
    ),
    (
        "discover.rs",
        "each input carries its scan root (confine) and is chosen by extension",
    ),
];

/// What each layer may import (besides itself).
fn allowed(from: &str) -> &'static [&'static str] {
    match from {
        "model" => &[],
        "source" => &["model"],
        "adapt" => &["model", "source"],
        "policy" | "suppress" | "config" | "render" | "discover" => &["model"],
        "engine" => &[
            "model", "source", "adapt", "policy", "suppress", "config", "render", "discover",
        ],
        "harness" => &[
            "model", "source", "adapt", "policy", "suppress", "config", "render", "discover",
            "engine",
        ],
        _ => &[
            "model", "source", "adapt", "policy", "suppress", "config", "render", "discover",
            "engine", "harness",
        ],
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::<module>` named in `text` (uses and paths), by line; test modules count
/// too: a test of a layer exercises that layer.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            } else if let Some(braced) = after.strip_prefix('{') {
                // `use crate::{a, b::c}`: each top-level name in the braces.
                let inner = braced.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
            }
            rest = after;
        }
    }
    out
}

#[test]
fn every_import_follows_the_house_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut broken = BTreeSet::new();
    let mut exceptions_used = BTreeSet::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let from = layer(&rel);
        if from == "top" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (line, module) in imports(&text) {
            if module == "VERSION" {
                continue;
            }
            let to = layer(&format!("{module}.rs"));
            let own_file = to == "source" && READS_ITS_OWN_FILE.iter().any(|(f, _)| *f == rel);
            if own_file {
                exceptions_used.insert(rel.clone());
            }
            if to != from && !allowed(from).contains(&to) && !own_file {
                broken.insert(format!(
                    "src/{rel}:{line}: {from} imports {to} (crate::{module})"
                ));
            }
        }
    }
    // An exception no file needs any more is removed, not kept "just in case".
    for (f, _) in READS_ITS_OWN_FILE {
        if !exceptions_used.contains(*f) {
            broken.insert(format!(
                "src/{f}: listed in READS_ITS_OWN_FILE but imports no source"
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "imports that break the house rule (DESIGN §4):\n{}",
        broken.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_checker_sees_the_imports_it_checks() {
    // Not vacuous: a rendering module importing the engine is caught, braces included.
    let found = imports("use crate::engine::Report;\nuse crate::{model::Span, policy::X};\n");
    let names: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(names, ["engine", "model", "policy"]);
    assert!(!allowed("render").contains(&layer("engine.rs")));
    assert!(allowed("engine").contains(&layer("render/human.rs")));
}
