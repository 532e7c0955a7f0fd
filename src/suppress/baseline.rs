//! Baselines: the fingerprints of accepted findings, so a team can adopt akslint on an
//! existing codebase and see only new findings.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::Finding;

/// Sorted, stable JSON: one entry per finding (id, path, fingerprint, and the message for
/// people reading the file).
pub fn write(findings: &[Finding]) -> Vec<u8> {
    let mut entries: Vec<(&str, &str, &str, &str)> = findings
        .iter()
        .map(|f| (&*f.path, &*f.id, f.fingerprint.as_str(), f.message.as_str()))
        .collect();
    entries.sort_unstable();
    entries.dedup();
    let list: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|(path, id, fp, message)| {
            serde_json::json!({"id": id, "path": path, "fingerprint": fp, "message": message})
        })
        .collect();
    let doc = serde_json::json!({"version": 1, "tool": "akslint", "findings": list});
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The (id, path, fingerprint) triples of a baseline file.
#[derive(Clone, Debug)]
pub struct Known(BTreeSet<(String, String, String)>);

impl Known {
    pub fn contains(&self, f: &Finding) -> bool {
        self.0
            .contains(&(f.id.to_string(), f.path.to_string(), f.fingerprint.clone()))
    }
}

pub fn read(path: &Path) -> Result<Known, String> {
    let text = crate::confine::read_text(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("baseline {} is not JSON: {e}", path.display()))?;
    let Some(list) = doc["findings"].as_array() else {
        return Err(format!(
            "baseline {} has no `findings` list (write one with --write-baseline)",
            path.display()
        ));
    };
    let mut known = BTreeSet::new();
    for e in list {
        match (
            e["id"].as_str(),
            e["path"].as_str(),
            e["fingerprint"].as_str(),
        ) {
            (Some(id), Some(p), Some(fp)) => {
                known.insert((id.to_string(), p.to_string(), fp.to_string()));
            }
            _ => return Err(format!("baseline {}: malformed entry {e}", path.display())),
        }
    }
    Ok(Known(known))
}
