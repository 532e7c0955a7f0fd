//! `akslint resources`: what the policies see, for writing policies and checking evaluation.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result};

use akslint::adapt::secrets;
use akslint::discover::{self, DiscoverOptions};
use akslint::engine::{self, Options};
use akslint::model::{Node, Resource, Span, Value};

#[derive(Args, Debug)]
pub struct ResourcesArgs {
    /// Files, directories or globs; `-` reads standard input.
    #[arg(default_value = ".")]
    paths: Vec<String>,
    /// ARM parameters file to evaluate templates with (repeatable).
    #[arg(long = "arm-parameters", value_name = "FILE")]
    arm_parameters: Vec<PathBuf>,
    /// Root module directory of Terraform plans' `.tf` sources.
    #[arg(long = "tf-root", value_name = "DIR")]
    tf_root: Option<PathBuf>,
    /// A variables file for Terraform source modules (repeatable; later ones win).
    #[arg(long = "tf-var-file", value_name = "FILE")]
    tf_var_files: Vec<PathBuf>,
    /// A root variable's value for Terraform source modules (repeatable).
    #[arg(long = "tf-var", value_name = "NAME=VALUE")]
    tf_vars: Vec<String>,
    /// Path to report for standard input (also picks its format by extension).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
}

pub fn run(args: &ResourcesArgs) -> Result<u8> {
    let inputs = discover::discover(
        &args.paths,
        &DiscoverOptions {
            stdin_filename: args.stdin_filename.clone(),
            ..Default::default()
        },
        super::read_stdin,
    )
    .into_diagnostic()?;
    let opts = Options {
        arm_parameters: args.arm_parameters.clone(),
        tf_root: args.tf_root.clone(),
        tf_var_files: args.tf_var_files.clone(),
        tf_vars: super::tf_vars(&args.tf_vars)?,
        ..Default::default()
    };
    let (resources, _) = engine::load(&inputs, &opts);
    // Secrets are not printed: per file, the spans of secret values (an ARM template's
    // secure parameter defaults are found on its `template` resource).
    let mut hidden: std::collections::BTreeMap<usize, Hidden> = std::collections::BTreeMap::new();
    for r in &resources {
        let h = hidden.entry(r.file).or_default();
        if r.kind() == "template" && r.arm.is_some() {
            h.spans.extend(secrets::arm_template_spans(&r.root));
            h.secure_parameters |= !secrets::secure_parameters(&r.root).is_empty();
        }
        h.spans.extend(secrets::spans(&r.root));
    }
    let mut out = io::stdout().lock();
    for r in &resources {
        let h = &hidden[&r.file];
        let line = serde_json::json!({
            "file": akslint::adapt::terraform::resource_file(r)
                .or_else(|| inputs.get(r.file).map(|i| i.display.clone()))
                .map(|p| p.to_string()),
            "format": r.format.as_str(),
            "kind": r.kind(),
            "name": r.name(),
            "namespace": r.namespace(),
            "line": r.root.span.start.line,
            "parameters": r.arm.as_ref().and_then(|a| a.parameters.as_deref()),
            "tree": shown(&r.root, r, h),
        });
        writeln!(out, "{line}").into_diagnostic()?;
    }
    Ok(0)
}

/// JSON of a tree with unknown values spelled out.
/// What of a file is not printed.
#[derive(Default)]
struct Hidden {
    spans: std::collections::BTreeSet<Span>,
    /// The template declares secure parameters: a value from a parameters file may be one.
    secure_parameters: bool,
}

fn shown(n: &Node, res: &Resource, hidden: &Hidden) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Unknown => J::String("(known after deployment)".into()),
        Value::Seq(items) => J::Array(items.iter().map(|i| shown(i, res, hidden)).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|e| (e.key.to_string(), shown(&e.value, res, hidden)))
                .collect(),
        ),
        _ if res.is_sensitive(n.span) => J::String("(sensitive)".into()),
        Value::Null | Value::Bool(_) => n.to_json(),
        _ if hidden.spans.contains(&n.span) || (hidden.secure_parameters && n.span.src != 0) => {
            J::String("(secret)".into())
        }
        _ => n.to_json(),
    }
}
