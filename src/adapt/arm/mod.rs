//! ARM templates and compiled Bicep: evaluate what a template deploys, then lint that.
//!
//! A template is evaluated once with its parameters' defaults, or once per parameters file
//! bound to it (`main.parameters.json`, `main.parameters.<env>.json`, `--arm-parameters`).

pub mod bicep;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod params;
pub mod template;

use std::sync::Arc;

use eval::{Budget, TemplateScope};
use params::ParameterFile;
use template::Walker;

use crate::model::{BicepSource, Node, Resource, Span};

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
    /// Functions met that are not implemented (their values were unknown).
    pub unknown_functions: Vec<String>,
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
        };
        walker.template(template, &scope, label, 0);
        loaded.resources.extend(walker.out);
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
    loaded.exceeded = budget.exceeded.get();
    loaded.unknown_functions = budget.unknown_functions.into_inner().into_iter().collect();
    loaded
}
