//! Finding the `resource "<type>" "<name>"` block of a plan resource in the `.tf` sources:
//! beside the plan or under `--tf-root`, modules through `configuration.module_calls` sources
//! and `.terraform/modules/modules.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::confine::ScanRoot;
use crate::model::{Node, Span, TfSource};

static BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^[ \t]*resource[ \t]+"([^"]+)"[ \t]+"([^"]+)"[ \t]*\{"#).expect("valid regex")
});

/// `resource` blocks by config address.
#[derive(Debug, Default)]
pub struct SourceIndex {
    blocks: HashMap<String, TfSource>,
}

impl SourceIndex {
    /// `root`: the directory of the root module on disk, and how to show paths under it.
    /// The `.tf` files of the plan's modules, from `root` (the root module's directory) down
    /// the module calls; only files inside `confine` are read (a module `source` or a
    /// `modules.json` `Dir` is repository content and may point anywhere).
    pub fn build(
        configuration: Option<&Node>,
        root: &Path,
        shown_root: &Path,
        confine: &ScanRoot,
    ) -> SourceIndex {
        let mut index = SourceIndex::default();
        let modules_json = read_modules_json(root, confine);
        let Some(root_module) = configuration.and_then(|c| c.get("root_module")) else {
            index.scan_dir(root, shown_root, "", confine);
            return index;
        };
        index.walk(
            root_module,
            root,
            shown_root,
            "",
            "",
            &modules_json,
            confine,
            0,
        );
        index
    }

    pub fn find(&self, config_address: &str) -> Option<TfSource> {
        self.blocks.get(config_address).cloned()
    }

    /// Every `.tf` file that holds a block found, with its text, sorted by path.
    pub fn files(&self) -> Vec<(Arc<str>, Arc<str>)> {
        let mut v: Vec<(Arc<str>, Arc<str>)> = self
            .blocks
            .values()
            .map(|b| (b.path.clone(), b.text.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        module: &Node,
        dir: &Path,
        shown: &Path,
        prefix: &str,
        key: &str,
        modules_json: &HashMap<String, PathBuf>,
        confine: &ScanRoot,
        depth: usize,
    ) {
        self.scan_dir(dir, shown, prefix, confine);
        if depth >= 16 {
            return;
        }
        for call in module
            .get("module_calls")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let name = &*call.key;
            let child_key = if key.is_empty() {
                name.to_string()
            } else {
                format!("{key}.{name}")
            };
            let source = call.value.get_str("source").unwrap_or_default();
            let (child_dir, child_shown) = if source.starts_with("./") || source.starts_with("../")
            {
                (dir.join(source), shown.join(source))
            } else if let Some(d) = modules_json.get(&child_key) {
                (root_of(dir).join(d), root_of(shown).join(d))
            } else {
                continue;
            };
            if let Some(m) = call.value.get("module") {
                self.walk(
                    m,
                    &child_dir,
                    &child_shown,
                    &format!("{prefix}module.{name}."),
                    &child_key,
                    modules_json,
                    confine,
                    depth + 1,
                );
            }
        }
    }

    fn scan_dir(&mut self, dir: &Path, shown: &Path, prefix: &str, confine: &ScanRoot) {
        let Ok(entries) = confine.resolve(dir).and_then(|d| Ok(std::fs::read_dir(d)?)) else {
            return;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        for f in files {
            // Inside the root, a regular file, at most the input limit.
            let Ok(text) = confine.read_to_string(&f) else {
                continue;
            };
            let text: Arc<str> = text.into();
            let shown_path: Arc<str> =
                normalize(&shown.join(f.file_name().unwrap_or_default())).into();
            for c in BLOCK.captures_iter(&text) {
                let at = c.get(0).map_or(0, |m| m.start());
                let line = text[..at].bytes().filter(|b| *b == b'\n').count() as u32 + 1;
                self.blocks
                    .entry(format!("{prefix}{}.{}", &c[1], &c[2]))
                    .or_insert_with(|| TfSource {
                        path: shown_path.clone(),
                        text: text.clone(),
                        line,
                    });
            }
        }
    }
}

/// Module directories in `modules.json` are relative to the root module: the nearest
/// directory up from `dir` that holds `.terraform`.
fn root_of(dir: &Path) -> PathBuf {
    let mut d = dir;
    loop {
        if d.join(".terraform").is_dir() {
            return d.to_path_buf();
        }
        match d.parent() {
            Some(p) => d = p,
            None => return dir.to_path_buf(),
        }
    }
}

/// `.terraform/modules/modules.json` of a root module: module key → installed directory
/// (the root module itself has the key `""`).
pub(crate) fn read_modules_json(root: &Path, confine: &ScanRoot) -> HashMap<String, PathBuf> {
    let Ok(text) = confine.read_to_string(&root.join(".terraform/modules/modules.json")) else {
        return HashMap::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    json["Modules"]
        .as_array()
        .map(|mods| {
            mods.iter()
                .filter_map(|m| {
                    Some((
                        m["Key"].as_str()?.to_string(),
                        PathBuf::from(m["Dir"].as_str()?),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            c => parts.push(c.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/").replacen("//", "/", 1)
    }
}

/// Where to point in the `.tf` file: the line of the attribute or block (the last key of the
/// finding's path found inside the resource block), else the `resource` line.
pub fn attribute_span(src: &TfSource, keys: &[&str]) -> Span {
    crate::source::blocks::key_in_block(&src.text, src.line, keys, |t, key| {
        t.strip_prefix(key).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with('=') || rest.starts_with('{')
        })
    })
}

/// Whether the resource block has a `dynamic "<name>"` block (at any depth): Terraform leaves
/// those out of the plan's configuration.
pub fn has_dynamic_block(src: &TfSource, name: &str) -> bool {
    let span = crate::source::blocks::key_in_block(&src.text, src.line, &[name], |t, _| {
        t.strip_prefix("dynamic").is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.strip_prefix('"')
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| r.starts_with('"'))
        })
    });
    span.start.line != src.line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_and_attributes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"azurerm_kubernetes_cluster\" \"this\" {\n  name = \"x\"\n  local_account_disabled = false\n  network_profile {\n    network_policy = \"azure\"\n  }\n}\n",
        )
        .unwrap();
        let idx = SourceIndex::build(
            None,
            dir.path(),
            Path::new("infra"),
            &ScanRoot::at(dir.path()),
        );
        let src = idx.find("azurerm_kubernetes_cluster.this").unwrap();
        assert_eq!(&*src.path, "infra/main.tf");
        assert_eq!(src.line, 1);
        assert_eq!(
            attribute_span(&src, &["local_account_disabled"]).start.line,
            3
        );
        assert_eq!(
            attribute_span(&src, &["network_profile", "0", "network_policy"])
                .start
                .line,
            5
        );
        assert_eq!(attribute_span(&src, &["nothing"]).start.line, 1);
    }
}
