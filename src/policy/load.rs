//! Finding policy files (compiled into the binary at build time, or in user directories) and
//! reading them.

use std::path::{Path as FsPath, PathBuf};

use miette::Diagnostic;

pub use super::parse::{PolicyError, parse_policy};
use super::parse::{is_policy_file, stem_of};
use super::schema::{Docs, Policy};

/// What build.rs made of `policies/`: `POLICIES`, the policies without their docs serialized
/// with postcard, and `DOCS`, each one's Markdown docs as a string literal, in the same order.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] Box<PolicyError>),
    #[error("cannot read policy {path}: {source}")]
    #[diagnostic(code(akslint::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("policy id {id} is defined twice: in {first} and in {second}")]
    #[diagnostic(code(akslint::policy))]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}

/// The policies compiled into the binary, in the order of their file paths under `policies/`.
///
/// build.rs has already read, validated and compiled every file with [`parse_policy`] (a
/// broken one fails the build with its diagnostic); here they are only deserialized, so no
/// YAML is parsed and no regex syntax checked at start-up. The docs are `&'static str`s in
/// the binary, never copied unless something reads them.
pub fn builtin() -> Result<Vec<Policy>, LoadError> {
    let mut policies: Vec<Policy> = postcard::from_bytes(embedded::POLICIES)
        .expect("build.rs serialized the built-in policies with these types");
    assert_eq!(policies.len(), embedded::DOCS.len());
    for (p, docs) in policies.iter_mut().zip(embedded::DOCS) {
        p.docs = Docs::from_static(docs);
    }
    Ok(policies)
}

/// Every `*.yaml` policy under `dir`, in path order.
pub fn from_dir(dir: &FsPath) -> Result<Vec<Policy>, LoadError> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        // Fixtures may live beside the policies (`DIR/testdata/<ID>/`); they are not policies.
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0 && (name == "testdata" || name.starts_with('.')))
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| LoadError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let p = entry.path();
        if entry.file_type().is_some_and(|t| t.is_file()) && is_policy_file(&p.to_string_lossy()) {
            files.push(p.to_path_buf());
        }
    }
    if files.is_empty() && !dir.is_dir() {
        return Err(LoadError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        });
    }
    files
        .into_iter()
        .map(|p| {
            let text = crate::confine::read_text(&p).map_err(|e| LoadError::Io {
                path: p.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let origin = p.to_string_lossy().into_owned();
            parse_policy(&text, &origin, stem_of(&origin).as_deref(), false)
                .map_err(LoadError::from)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded set cannot drift from `policies/`: reading the files from YAML at run
    /// time gives the same policies, field for field (docs included), in the same order.
    #[test]
    fn embedded_policies_equal_the_policy_files_read_at_run_time() {
        let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let sources = super::super::parse::builtin_sources(&dir).unwrap();
        let embedded = builtin().unwrap();
        assert!(sources.len() > 50, "{}", sources.len());
        assert_eq!(sources.len(), embedded.len());
        for ((rel, text), e) in sources.iter().zip(&embedded) {
            let y = super::super::parse::parse_builtin(rel, text).unwrap();
            assert_eq!(y.origin, e.origin);
            assert!(e.builtin);
            assert!(y.docs.len() > 100, "{rel}");
            assert_eq!(y.docs.as_str(), e.docs.as_str(), "{rel}");
            assert_eq!(format!("{y:?}"), format!("{e:?}"), "{rel}");
            assert_eq!(
                postcard::to_allocvec(&y).unwrap(),
                postcard::to_allocvec(e).unwrap(),
                "{rel}"
            );
        }
    }

    #[test]
    fn a_user_directory_is_read_from_yaml_with_its_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("testdata")).unwrap();
        std::fs::write(dir.path().join("testdata/NOPE.yaml"), "not: a policy").unwrap();
        std::fs::write(
            dir.path().join("X001.yaml"),
            "id: X001\nname: x\narea: network\nseverity: low\ntitle: t\nmessage: m\n\
             help: h.\ndocs: |\n  ## What it does\nchecks:\n  - on: kubernetes Pod\n    \
             require: {path: spec.x, matches: \"^a\"}\n",
        )
        .unwrap();
        let got = from_dir(dir.path()).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, "X001");
        assert!(!got[0].builtin);
        assert_eq!(got[0].docs.as_str(), "## What it does\n");
        assert_eq!(
            got[0].origin,
            dir.path().join("X001.yaml").to_string_lossy()
        );
    }
}
