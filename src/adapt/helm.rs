//! Helm-rendered streams: which `# Source:` template each document came from.

/// The `# Source:` comments of a rendered stream and the document separators, by line.
#[derive(Debug, Default)]
pub struct SourceMap {
    /// (1-based line, template path)
    sources: Vec<(u32, Box<str>)>,
    /// 1-based lines holding a `---` document marker.
    separators: Vec<u32>,
}

impl SourceMap {
    /// Scans the text; cheap because it only looks at lines starting with `#` or `---`.
    pub fn scan(text: &str) -> SourceMap {
        let mut map = SourceMap::default();
        if !text.contains("# Source:") {
            return map;
        }
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u32 + 1;
            if let Some(rest) = line.strip_prefix("# Source:") {
                let path = rest.trim();
                if !path.is_empty() {
                    map.sources.push((line_no, path.into()));
                }
            } else if line.starts_with("---") {
                map.separators.push(line_no);
            }
        }
        map
    }

    pub fn is_helm(&self) -> bool {
        !self.sources.is_empty()
    }

    /// The template of the document whose content starts at `line`: the last `# Source:`
    /// comment above it that is not cut off by a `---` marker in between.
    pub fn template_for(&self, line: u32) -> Option<&str> {
        let sep = self
            .separators
            .iter()
            .rev()
            .find(|&&s| s < line)
            .copied()
            .unwrap_or(0);
        self.sources
            .iter()
            .rev()
            .find(|(l, _)| *l < line && *l > sep)
            .map(|(_, p)| &**p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_documents_to_templates() {
        let text = "---\n# Source: c/templates/sa.yaml\napiVersion: v1\n---\n# Source: c/templates/d.yaml\napiVersion: apps/v1\n---\napiVersion: v1\n";
        let m = SourceMap::scan(text);
        assert!(m.is_helm());
        assert_eq!(m.template_for(3), Some("c/templates/sa.yaml"));
        assert_eq!(m.template_for(6), Some("c/templates/d.yaml"));
        assert_eq!(m.template_for(8), None);
    }
}

use crate::confine::ScanRoot;

/// A template file: its path as shown, and its text.
pub type TemplateFile = (std::sync::Arc<str>, std::sync::Arc<str>);

/// Chart templates found on disk for the `# Source:` paths of a rendered stream.
#[derive(Debug, Default)]
pub struct TemplateFiles {
    /// `# Source:` path → the file, `None` when not found.
    files: std::collections::HashMap<Box<str>, Option<TemplateFile>>,
}

impl TemplateFiles {
    /// Looks each template of `map` up: under `chart` (the chart directory: the `# Source:`
    /// path without its first component), else relative to the working directory and to the
    /// rendered file's directory and its parents up to the scanned root. A `# Source:` is
    /// repository content: only files inside `root` (for `--helm-chart`, the chart's own
    /// repository) are read, on canonical paths, so a symbolic link does not lead out.
    pub fn find(
        map: &SourceMap,
        rendered: Option<&std::path::Path>,
        chart: Option<&std::path::Path>,
        root: &ScanRoot,
    ) -> Self {
        use std::path::{Path, PathBuf};
        let mut files = std::collections::HashMap::new();
        let chart_root = chart.map(|c| ScanRoot::for_named(c, None));
        for (_, source) in &map.sources {
            if files.contains_key(source) {
                continue;
            }
            let rel = Path::new(&**source);
            // No escaping upward through `..` in a comment of the input.
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                files.insert(source.clone(), None);
                continue;
            }
            let mut candidates: Vec<(PathBuf, &ScanRoot)> = Vec::new();
            if let (Some(c), Some(r)) = (chart, &chart_root) {
                let inside: PathBuf = rel.components().skip(1).collect();
                candidates.push((c.join(inside), r));
            }
            candidates.push((rel.to_path_buf(), root));
            let mut dir = rendered.and_then(Path::parent);
            while let Some(d) = dir {
                // Not above the root: an absolute input path would walk every parent up to `/`.
                if root.resolve(d).is_err() {
                    break;
                }
                candidates.push((d.join(rel), root));
                dir = d.parent().filter(|p| !p.as_os_str().is_empty());
            }
            let found = candidates
                .into_iter()
                .find(|(p, r)| r.has_file(p))
                .and_then(|(p, r)| {
                    let text = r.read_to_string(&p).ok()?;
                    Some((crate::model::paths::display_path(&p).into(), text.into()))
                });
            files.insert(source.clone(), found);
        }
        TemplateFiles { files }
    }

    pub fn get(&self, source: &str) -> Option<&TemplateFile> {
        self.files.get(source).and_then(Option::as_ref)
    }

    /// Every template found, for code frames.
    pub fn texts(&self) -> impl Iterator<Item = &TemplateFile> {
        self.files.values().flatten()
    }
}

/// The line of a template where the node at `keys` (the finding's path in the rendered
/// object, indexes left out) is written: each key is looked for after the previous one; when
/// a key is not in the template, its value comes from a `{{ ... }}` expression (values
/// rendered with `toYaml`): the first such line after the last key found.
pub fn template_line(text: &str, keys: &[&str]) -> Option<crate::model::Span> {
    use crate::model::{Pos, Span};
    let lines: Vec<&str> = text.lines().collect();
    let mut at: Option<usize> = None;
    let mut col = 1;
    let mut len = 1;
    for key in keys {
        let from = at.map_or(0, |a| a + 1);
        let found = lines.iter().enumerate().skip(from).find_map(|(i, l)| {
            let t = l.trim_start().trim_start_matches("- ").trim_start();
            let rest = t.strip_prefix(*key).or_else(|| {
                t.strip_prefix('"')
                    .and_then(|r| r.strip_prefix(*key))
                    .and_then(|r| r.strip_prefix('"'))
            })?;
            rest.trim_start().starts_with(':').then(|| {
                let c = l.len() - t.len();
                (i, l[..c].chars().count() as u32 + 1)
            })
        });
        match found {
            Some((i, c)) => {
                at = Some(i);
                col = c;
                len = key.chars().count() as u32;
            }
            None => {
                // A value supplied by an expression: its line.
                let from = at.map_or(0, |a| a + 1);
                let expr = lines
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| l.contains("{{") && !l.trim_start().starts_with("{{-/*"))?;
                let c = expr.1.find("{{").unwrap_or(0);
                let c = expr.1[..c].chars().count() as u32 + 1;
                let end = expr.1.chars().count() as u32 + 1;
                let line = expr.0 as u32 + 1;
                return Some(Span::new(Pos::new(line, c), Pos::new(line, end)));
            }
        }
    }
    let line = at? as u32 + 1;
    Some(Span::new(Pos::new(line, col), Pos::new(line, col + len)))
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn keys_and_expressions_are_found_in_order() {
        let t = "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n          securityContext:\n            privileged: {{ .Values.privileged }}\n          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n";
        let s = template_line(
            t,
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "securityContext",
                "privileged",
            ],
        )
        .unwrap();
        assert_eq!((s.start.line, s.start.col), (9, 13));
        let s = template_line(
            t,
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "resources",
                "limits",
            ],
        )
        .unwrap();
        assert_eq!((s.start.line, s.start.col), (11, 13));
        assert!(template_line("a: 1\n", &["b"]).is_none());
    }
}
