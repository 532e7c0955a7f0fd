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
