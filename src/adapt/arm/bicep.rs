//! Mapping findings of a compiled template back to the `.bicep` file beside it.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::confine::ScanRoot;
use crate::model::{BicepSource, Span};

static DECLARATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*resource[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+'([^'@]+)@[^']*'")
        .expect("valid regex")
});

/// The `.bicep` file with the template's stem, beside it (inside the scanned root: a
/// committed symlink to elsewhere is not followed out; never a device or over the limit).
pub fn beside(template: &Path, shown: &str, root: &ScanRoot) -> Option<Arc<BicepSource>> {
    let bicep = template.with_extension("bicep");
    let text = root.read_to_string(&bicep).ok()?;
    let shown = Path::new(shown).with_extension("bicep");
    Some(Arc::new(BicepSource {
        path: shown.to_string_lossy().into_owned().into(),
        text,
    }))
}

/// The line of `resource <symbol> '<type>@...'` declaring a resource: by symbolic name, else
/// the only declaration of that type.
pub fn declaration_line(src: &BicepSource, symbol: Option<&str>, ty: &str) -> Option<u32> {
    let decls: Vec<(usize, &str, &str)> = DECLARATION
        .captures_iter(&src.text)
        .map(|c| {
            let m = c.get(0).expect("whole match");
            (
                m.start(),
                c.get(1).map_or("", |g| g.as_str()),
                c.get(2).map_or("", |g| g.as_str()),
            )
        })
        .collect();
    let pick = symbol
        .and_then(|s| decls.iter().find(|d| d.1 == s))
        .or_else(|| {
            let of_type: Vec<_> = decls
                .iter()
                .filter(|d| d.2.eq_ignore_ascii_case(ty))
                .collect();
            (of_type.len() == 1).then(|| of_type[0])
        })?;
    Some(line_of(&src.text, pick.0))
}

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset].bytes().filter(|b| *b == b'\n').count() as u32 + 1
}

/// Where to point in the Bicep file: the line of `key:` inside the declaration that starts at
/// `decl_line` (the last key of the finding's path that appears there), else the declaration.
pub fn property_span(src: &BicepSource, decl_line: u32, keys: &[&str]) -> Span {
    crate::source::blocks::key_in_block(&src.text, decl_line, keys, |t, key| {
        t.strip_prefix(key)
            .or_else(|| {
                t.strip_prefix('\'')
                    .and_then(|r| r.strip_prefix(key))
                    .and_then(|r| r.strip_prefix('\''))
            })
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BICEP: &str = "param x bool\n\nresource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: 'a'\n  properties: {\n    disableLocalAccounts: x\n  }\n}\n\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'r'\n}\n";

    fn src() -> BicepSource {
        BicepSource {
            path: "main.bicep".into(),
            text: BICEP.into(),
        }
    }

    #[test]
    fn finds_declarations_by_symbol_or_unique_type() {
        assert_eq!(declaration_line(&src(), Some("acr"), "x"), Some(10));
        assert_eq!(
            declaration_line(&src(), None, "microsoft.containerservice/managedclusters"),
            Some(3)
        );
        assert_eq!(declaration_line(&src(), Some("nope"), "Other/type"), None);
    }

    #[test]
    fn points_at_the_property_inside_the_declaration() {
        let s = property_span(&src(), 3, &["properties", "disableLocalAccounts"]);
        assert_eq!((s.start.line, s.start.col), (6, 5));
        let s = property_span(&src(), 10, &["properties", "disableLocalAccounts"]);
        assert_eq!(s.start.line, 10);
    }
}
