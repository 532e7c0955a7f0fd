//! `.bicep` and `.bicepparam` inputs through the engine: the adapter (`adapt::bicep`) loads
//! the resources; here they become findings like the ARM path's.

use super::{
    FileKind, FileOutcome, NotDeployed, NotLinted, Options, check_resources, linter_finding,
    read_or_report,
};
use crate::adapt::bicep::load::{self, is_bicep, is_bicepparam};
use crate::adapt::secrets;
use crate::discover::{Input, Origin};
use crate::model::{LinterCode, Node, Pos, Span};
use crate::policy::compile::PolicySet;
use crate::source::strip_bom;

/// A Bicep source or parameters file (by extension).
pub(super) fn is_input(path: &str) -> bool {
    is_bicep(path) || is_bicepparam(path)
}

/// Whether a compiled template is checked through its `.bicep` source in this run (then its
/// own resources are not checked again).
pub(super) fn checked_as_bicep(path: &str, root: &Node, opts: &Options) -> bool {
    load::checked_as_bicep(path, root, &*opts.bicep_run)
}

/// The inputs of a run and the `.bicep` files its `.bicep` inputs use as local modules.
pub(super) fn run_files(inputs: &[Input]) -> load::RunFiles {
    let mut files = load::RunFiles {
        inputs: inputs.iter().map(|i| i.display.clone()).collect(),
        ..Default::default()
    };
    for i in inputs.iter().filter(|i| is_bicep(&i.display)) {
        if let Origin::File(p) = &i.origin
            && let Ok(text) = i.root.read_to_string(p)
        {
            files.modules.extend(load::module_paths(&text, &i.display));
        }
    }
    // A module that uses itself (or a cycle) is still linted once.
    let inputs = &files.inputs;
    files.modules.retain(|m| inputs.contains(m));
    files
}

pub(super) fn process_file(
    file: usize,
    input: &Input,
    set: &PolicySet,
    opts: &Options,
) -> FileOutcome {
    let path = input.display.clone();
    let mut out = FileOutcome::new(path.clone(), input.explicit, set);
    let Some(full_text) = read_or_report(input, set, &mut out) else {
        return out;
    };
    let text = strip_bom(&full_text);
    out.suppressions = crate::suppress::scan_comments(text, &path);
    let on_disk = match &input.origin {
        Origin::File(p) => Some(p.as_path()),
        Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => None,
    };
    if opts.bicep_run.modules.contains(&path) {
        // Linted with the values its callers pass, not on its own with unknown parameters.
        out.summary.kind = FileKind::Arm;
        out.notes.push((
            "`.bicep` modules of another input are linted through the template that uses them"
                .into(),
            path.clone(),
        ));
        return out;
    }
    let loaded = load::load(file, text, on_disk, &path, &input.root, &*opts.bicep_run);
    // Secrets never reach a code frame: `.bicep` text is masked line by line.
    out.text = Some(secrets::mask_lines(text).into());
    for (shown, t) in &loaded.texts {
        out.extra_texts
            .push((shown.clone(), secrets::mask_lines(t).into()));
        // Suppression comments in modules and parameters files silence their lines.
        out.suppressions
            .extend(crate::suppress::scan_comments(t, shown));
    }
    for p in &loaded.problems {
        linter_finding(
            set,
            p.id,
            &p.path,
            p.span,
            p.message.clone(),
            &mut out.findings,
        );
    }
    if loaded.exceeded {
        linter_finding(
            set,
            LinterCode::InputLimitExceeded,
            &path,
            Span::new(Pos::new(1, 1), Pos::new(1, 1)),
            "Bicep evaluation exceeded its work and memory limit; values past it are unknown"
                .into(),
            &mut out.findings,
        );
    }
    if loaded.deferred {
        out.notes.push((
            "`.bicepparam` files are evaluated with the template they name, which this run lints"
                .into(),
            path.clone(),
        ));
        return out;
    }
    if !loaded.parsed {
        out.summary.kind = FileKind::Broken;
        return out;
    }
    out.summary.kind = FileKind::Arm;
    out.unknown_functions = loaded.unknown_functions;
    out.not_deployed = loaded
        .skipped
        .iter()
        .map(|(p, at, resource, parameters)| NotDeployed {
            path: p.clone(),
            at: *at,
            resource: resource.clone(),
            parameters: parameters.clone(),
        })
        .collect();
    out.not_linted = loaded
        .not_linted
        .iter()
        .map(|(p, at, resource, why)| NotLinted {
            path: p.clone(),
            at: *at,
            resource: resource.clone(),
            why,
        })
        .collect();
    out.summary.resources = loaded
        .resources
        .iter()
        .filter(|r| r.kind() != "template")
        .count();
    if opts.parse_only {
        return out;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return out;
    }
    check_resources(loaded.resources, set, &path, None, &mut out);
    out
}
