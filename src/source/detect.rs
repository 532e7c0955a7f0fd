//! Deciding what a file is: by extension first, then by content once parsed.

use crate::model::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

/// The syntax of a file named `path`, or `None` when akslint does not read such files.
pub fn syntax_for(path: &str) -> Option<Syntax> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "yaml" | "yml" => Some(Syntax::Yaml),
        "json" => Some(Syntax::Json),
        _ => None,
    }
}

/// A Bicep source or parameters file (`.bicep`, `.bicepparam`), by extension.
pub fn is_bicep_source(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(_, e)| {
        e.eq_ignore_ascii_case("bicep") || e.eq_ignore_ascii_case("bicepparam")
    })
}

/// For stdin without a usable name: JSON if the text starts like a JSON object.
pub fn sniff(text: &str) -> Syntax {
    let t = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if t.starts_with('{') || t.starts_with("//") {
        Syntax::Json
    } else {
        Syntax::Yaml
    }
}

/// What a parsed JSON document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Kubernetes,
    ArmTemplate,
    ArmParameters,
    TerraformPlan,
    Other,
}

pub fn classify_json(root: &Node) -> JsonKind {
    if let Some(schema) = root.get_str("$schema") {
        let schema = schema.to_ascii_lowercase();
        if schema.contains("deploymenttemplate.json") {
            return JsonKind::ArmTemplate;
        }
        if schema.contains("deploymentparameters.json") {
            return JsonKind::ArmParameters;
        }
    }
    if root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
    {
        return JsonKind::TerraformPlan;
    }
    if is_kubernetes_object(root) {
        return JsonKind::Kubernetes;
    }
    JsonKind::Other
}

/// A Kubernetes document has string `apiVersion` and `kind`.
pub fn is_kubernetes_object(root: &Node) -> bool {
    root.get_str("apiVersion").is_some() && root.get_str("kind").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(syntax_for("a/b.YML"), Some(Syntax::Yaml));
        assert_eq!(syntax_for("x.json"), Some(Syntax::Json));
        assert_eq!(syntax_for("main.tf"), None);
        assert_eq!(syntax_for("Makefile"), None);
    }
}
