//! Parameters files (`deploymentParameters.json`) and which template they belong to.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::eval::unknown;
use super::template::retag;
use crate::model::{Node, Pos};
use crate::source::detect::{JsonKind, classify_json};
use crate::source::{Limits, LineIndex, json, strip_bom};

#[derive(Debug)]
pub struct ParameterFile {
    /// As shown in findings.
    pub path: Arc<str>,
    pub root: Node,
    pub text: Arc<str>,
}

impl ParameterFile {
    /// Values by parameter name, spans marked as source `src`. A Key Vault `reference` or a
    /// deploy-time `expression` is unknown.
    pub fn values(&self, src: u16) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        for e in self
            .root
            .get("parameters")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let mut v = match e.value.entry_ignore_case("value") {
                Some(v) => v.value.clone(),
                None => unknown(e.value.span),
            };
            retag(&mut v, src);
            out.push((e.key.to_string(), v));
        }
        out
    }
}

/// Why a parameters file could not be used: where, and what.
pub type ParameterFileError = (Pos, String);

pub fn read(
    path: &Path,
    shown: Arc<str>,
    limits: Limits,
) -> Result<ParameterFile, ParameterFileError> {
    let text = crate::confine::read_text(path)
        .map_err(|e| (Pos::new(1, 1), format!("cannot read parameters file: {e}")))?;
    let text: Arc<str> = strip_bom(&text).into();
    let lines = LineIndex::new(&text);
    let root = json::load(&text, &lines, limits)
        .map_err(|e| (e.pos(), format!("JSON syntax error: {e}")))?
        .ok_or_else(|| (Pos::new(1, 1), "empty parameters file".to_string()))?;
    if classify_json(&root) != JsonKind::ArmParameters && root.get("parameters").is_none() {
        return Err((
            Pos::new(1, 1),
            "not an ARM parameters file (no deploymentParameters.json `$schema` or `parameters`)"
                .into(),
        ));
    }
    Ok(ParameterFile {
        path: shown,
        root,
        text,
    })
}

/// Parameters files bound to `template` by name, beside it: `<stem>.parameters.json`,
/// `<stem>.parameters.<env>.json` and `<stem>.<env>.parameters.json`, sorted.
pub fn beside(template: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (
        template.parent(),
        template.file_stem().and_then(|s| s.to_str()),
    ) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let lower = name.to_ascii_lowercase();
            let rest = lower
                .strip_prefix(&stem.to_ascii_lowercase())?
                .strip_prefix('.')?;
            let rest = rest.strip_suffix(".json")?;
            let ok = rest == "parameters"
                || rest
                    .strip_prefix("parameters.")
                    .is_some_and(|env| !env.is_empty() && !env.contains('.'))
                || rest
                    .strip_suffix(".parameters")
                    .is_some_and(|env| !env.is_empty() && !env.contains('.'));
            (ok && e.path().is_file()).then(|| e.path())
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_parameters_files_beside_a_template() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "main.json",
            "main.parameters.json",
            "main.parameters.prod.json",
            "main.dev.parameters.json",
            "main.parameters.a.b.json",
            "other.parameters.json",
            "mainx.parameters.json",
        ] {
            std::fs::write(dir.path().join(f), "{}").unwrap();
        }
        let names: Vec<String> = beside(&dir.path().join("main.json"))
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "main.dev.parameters.json",
                "main.parameters.json",
                "main.parameters.prod.json"
            ]
        );
    }
}
