//! ARM templates and compiled Bicep: evaluate what a template deploys, then lint that.
//!
//! A template is evaluated once with its parameters' defaults, or once per parameters file
//! bound to it (`main.parameters.json`, `main.parameters.<env>.json`, `--arm-parameters`).

pub mod bicep;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod params;
pub mod signature;
pub mod template;

use std::sync::Arc;

use eval::{Budget, TemplateScope};
use params::ParameterFile;
use template::Walker;

use crate::model::{BicepSource, Node, Resource, Span, Value};

/// What one evaluation needs besides the template.
#[derive(Debug, Default)]
pub struct ArmRun {
    pub file: usize,
    /// Sources other than the template (`Span::src` n is `sources[n - 1]`).
    pub sources: Vec<Arc<str>>,
    pub parameters: Option<Arc<str>>,
    pub bicep: Option<Arc<BicepSource>>,
}

/// Resources of a template, and the problems met evaluating it.
#[derive(Debug, Default)]
pub struct Loaded {
    pub resources: Vec<Resource>,
    /// Malformed expressions (AKL001).
    pub errors: Vec<(Span, String)>,
    /// The evaluation budget ran out (AKL003).
    pub exceeded: bool,
    /// Azure limits the template exceeds (AKL003 at each).
    pub over_limits: Vec<(Span, String)>,
    /// Functions met that are not implemented (their values were unknown).
    pub unknown_functions: Vec<String>,
    /// Resources whose `condition` is false (per parameters file).
    pub skipped: Vec<template::Skipped>,
}

/// Evaluates `template` with each parameters file (or with its defaults when there are none).
pub fn load(
    file: usize,
    label: &str,
    template: &Node,
    parameter_files: &[ParameterFile],
    bicep: Option<Arc<BicepSource>>,
) -> Loaded {
    let mut loaded = Loaded::default();
    // Detection only hands over objects with a template `$schema`; `--input-format arm`
    // hands over every JSON document, and one that cannot be a template must not pass as an
    // empty one.
    if let Some(problem) = not_a_template(template) {
        loaded.errors.push((template.span, problem));
        return loaded;
    }
    let budget = Budget::default();
    let runs: Vec<Option<&ParameterFile>> = if parameter_files.is_empty() {
        vec![None]
    } else {
        parameter_files.iter().map(Some).collect()
    };
    for (i, pf) in runs.into_iter().enumerate() {
        let run = ArmRun {
            file,
            sources: pf.map(|p| vec![p.path.clone()]).unwrap_or_default(),
            parameters: pf.map(|p| p.path.clone()),
            bicep: bicep.clone(),
        };
        let bound = pf.map(|p| p.values(1)).unwrap_or_default();
        let scope = TemplateScope::new(template, bound, &budget);
        let mut walker = Walker {
            run: &run,
            budget: &budget,
            emit_templates: i == 0,
            out: Vec::new(),
            skipped: Vec::new(),
            deployed: 0,
        };
        walker.template(template, &scope, label, 0);
        loaded.resources.extend(walker.out);
        loaded.skipped.extend(walker.skipped);
        if budget.exceeded.get() {
            break;
        }
    }
    let mut errors = budget.errors.into_inner();
    errors.sort_by_key(|(s, _)| *s);
    errors.dedup_by_key(|(s, _)| *s);
    loaded.errors = errors
        .into_iter()
        .map(|(s, e)| (s, format!("invalid ARM expression: {e}")))
        .collect();
    let mut rejected = budget.rejected.into_inner();
    rejected.sort();
    rejected.dedup_by_key(|(s, _)| *s);
    loaded.errors.extend(rejected.into_iter().map(|(s, why)| {
        (
            s,
            format!("Azure Resource Manager rejects this expression: {why}"),
        )
    }));
    loaded.errors.sort_by_key(|(s, _)| *s);
    loaded.exceeded = budget.exceeded.get();
    let mut over = budget.over_limits.into_inner();
    over.sort();
    over.dedup();
    loaded.over_limits = over;
    loaded.unknown_functions = budget.unknown_functions.into_inner().into_iter().collect();
    loaded
}

/// Why `root` cannot be an ARM template: not an object, or an object with neither `$schema`
/// nor `resources`.
fn not_a_template(root: &Node) -> Option<String> {
    let found = match &root.value {
        Value::Map(_) if root.get("$schema").is_some() || root.get("resources").is_some() => {
            return None;
        }
        Value::Map(_) => "an object with neither",
        other => other.kind_phrase(),
    };
    Some(format!(
        "not an ARM template: expected a JSON object with `$schema` or `resources`, found {found}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Pos;
    use crate::source::{Limits, LineIndex, json};

    fn load_text(text: &str) -> Loaded {
        let lines = LineIndex::new(text);
        let root = json::load(text, &lines, Limits::default())
            .unwrap()
            .unwrap();
        load(0, "t.json", &root, &[], None)
    }

    #[test]
    fn a_document_that_is_not_a_template_is_an_error_not_an_empty_template() {
        for (text, found) in [
            ("null\n", "found null"),
            ("[]", "found an array"),
            ("[{\"resources\": []}]", "found an array"),
            ("{\"name\": \"x\"}", "found an object with neither"),
        ] {
            let loaded = load_text(text);
            assert!(loaded.resources.is_empty());
            let [(span, message)] = &loaded.errors[..] else {
                panic!("{text}: {:?}", loaded.errors)
            };
            assert_eq!(span.start, Pos::new(1, 1), "{text}");
            assert!(message.starts_with("not an ARM template"), "{message}");
            assert!(message.ends_with(found), "{text}: {message}");
        }
        // A template without `$schema` (forced) or without resources is still a template.
        assert!(load_text("{\"resources\": []}").errors.is_empty());
        assert!(load_text("{\"$schema\": \"x\"}").errors.is_empty());
    }
}
