//! The engine's side of Terraform source (`.tf` modules): one input per module directory,
//! loaded by `adapt::terraform` and checked like any file's resources.

use std::sync::Arc;

use super::{FileKind, FileOutcome, NotLinted, Options, check_resources, linter_finding};
use crate::adapt::terraform;
use crate::discover::{Input, Origin};
use crate::model::LinterCode;
use crate::policy::compile::PolicySet;
use crate::suppress;

/// Whether the input is a file of a Terraform module (and so goes to [`process`]).
pub(super) fn is_module_input(input: &Input) -> bool {
    terraform::is_module_file(&input.display)
}

/// The inputs with every Terraform module's files folded into one input (see
/// `discover::group_terraform`).
/// A module that a plan of the run was made from (the plan's directory, or `--tf-root`, and
/// the module directories below it) is checked once, through the plan: its values win, and its findings land on the `.tf` lines.
pub(super) fn group(inputs: &[Input], opts: &Options) -> Option<Vec<Input>> {
    let mut grouped = crate::discover::group_terraform(
        inputs,
        terraform::is_module_file,
        terraform::is_config_file,
        terraform::local_module_dirs,
    )?;
    let planned: Vec<std::path::PathBuf> =
        inputs.iter().filter_map(|i| plan_root(i, opts)).collect();
    if !planned.is_empty() {
        grouped.retain(|i| match &i.origin {
            Origin::File(p) if is_module_input(i) => {
                let dir = crate::discover::absolute(&terraform::module_dir(p));
                // The plan's root module and the modules below it (its local modules).
                !planned.iter().any(|root| dir.starts_with(root))
            }
            _ => true,
        });
    }
    Some(grouped)
}

/// The root module directory of a Terraform plan input (by a look at its first 64 KiB).
fn plan_root(input: &Input, opts: &Options) -> Option<std::path::PathBuf> {
    use std::io::Read;
    let Origin::File(p) = &input.origin else {
        return None;
    };
    let name = input.display.to_ascii_lowercase();
    if !name.ends_with(".json") || terraform::is_module_file(&name) {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(p)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let plan = head.contains("\"format_version\"")
        && (head.contains("\"terraform_version\"") || head.contains("\"planned_values\""));
    plan.then(|| {
        crate::discover::absolute(
            opts.tf_root
                .as_deref()
                .map_or_else(|| terraform::module_dir(p), std::path::Path::to_path_buf)
                .as_path(),
        )
    })
}

/// Loads the module the input belongs to (its whole directory) and checks its resources.
pub(super) fn process(
    file: usize,
    input: &Input,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) {
    let shown = std::path::Path::new(&*input.display);
    let (dir, overlay) = match &input.origin {
        Origin::File(p) => (terraform::module_dir(p), None),
        Origin::Stdin(text) => (
            terraform::module_dir(shown),
            Some((shown.to_path_buf(), text.clone())),
        ),
        Origin::Piped(bytes) => (
            terraform::module_dir(shown),
            Some((
                shown.to_path_buf(),
                Arc::from(String::from_utf8_lossy(bytes).as_ref()),
            )),
        ),
        Origin::PipedOverLimit => return,
    };
    let req = terraform::Request {
        shown: terraform::module_dir(shown),
        dir,
        confine: input.root.clone(),
        overlay,
        var_files: opts.tf_var_files.clone(),
        vars: opts.tf_vars.clone(),
        budget: 0,
    };
    let loaded = terraform::load(file, &req);
    if !loaded.is_module {
        // A `.tfvars` file without a module beside it.
        return;
    }
    out.summary.kind = FileKind::Terraform;
    for ((path, text), (raw, spans)) in loaded
        .files
        .iter()
        .zip(loaded.raw_texts.iter().zip(&loaded.secret_spans))
    {
        out.secrets.add(raw, spans);
        out.suppressions.extend(suppress::scan_comments(raw, path));
        if *path == input.display {
            out.text = Some(text.clone());
        } else {
            out.extra_texts.push((path.clone(), text.clone()));
        }
        out.bytes += raw.len() as u64;
    }
    for p in &loaded.problems {
        linter_finding(
            set,
            if p.limit {
                LinterCode::InputLimitExceeded
            } else {
                LinterCode::ParseError
            },
            &p.path,
            p.span,
            p.message.clone(),
            &mut out.findings,
        );
    }
    out.not_linted = loaded
        .not_linted
        .iter()
        .map(|n| NotLinted {
            path: n.path.clone(),
            at: n.span.start,
            resource: n.resource.clone(),
            why: n.why,
        })
        .collect();
    out.summary.resources = loaded.resources.len();
    if opts.parse_only {
        return;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return;
    }
    let path = input.display.clone();
    check_resources(loaded.resources, set, &path, None, out);
}
