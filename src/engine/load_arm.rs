//! Loading an ARM template: every evaluation (one per parameters file) into resources, with
//! the template's own findings (rejected expressions, limits).

use super::*;

/// An ARM template: bind its parameters files, evaluate, check what it deploys.
pub(super) fn process_arm(
    file: usize,
    input: &Input,
    root: Node,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) {
    let path = input.display.clone();
    out.summary.kind = FileKind::Arm;
    if bicep::checked_as_bicep(&path, &root, opts) {
        out.notes.push((
            "compiled templates whose `.bicep` source is in the run are checked through the source"
                .into(),
            path.clone(),
        ));
        return;
    }
    if let Some(text) = out.text.clone() {
        let spans = secrets::arm_template_spans(&root);
        out.secrets.add(&text, &spans);
        out.text = Some(masked(&text, &spans));
    }
    let secure = secrets::secure_parameters(&root);
    if out.bytes > arm::eval::AZURE_MAX_TEMPLATE_BYTES as u64 {
        // Azure rejects it; evaluating it would only multiply a hostile file's size.
        linter_finding(
            set,
            LinterCode::InputLimitExceeded,
            &path,
            Span::new(root.span.start, root.span.start),
            format!(
                "template of {:.1} MiB exceeds Azure Resource Manager's limit of 4 MiB: not evaluated",
                out.bytes as f64 / (1024.0 * 1024.0)
            ),
            &mut out.findings,
        );
        return;
    }
    let on_disk = match &input.origin {
        Origin::File(p) => Some(p.as_path()),
        Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => None,
    };
    // Named by the user (command line, or a configuration checked to be in the repository),
    // else found beside the template: then only inside the scanned root.
    let param_paths: Vec<std::path::PathBuf> = if !opts.arm_parameters.is_empty() {
        opts.arm_parameters.clone()
    } else {
        on_disk
            .map(arm::params::beside)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| input.root.has_file(p))
            .collect()
    };
    let mut parameter_files = Vec::new();
    for p in param_paths {
        // Shown beside the template as the template is shown (relative stays relative).
        let shown: Arc<str> = if opts.arm_parameters.is_empty() {
            std::path::Path::new(&*path)
                .with_file_name(p.file_name().unwrap_or_default())
                .to_string_lossy()
                .into()
        } else {
            crate::discover::display_path(&p).into()
        };
        match arm::params::read(&p, shown.clone(), opts.limits) {
            Ok(pf) => {
                let hidden = secrets::arm_parameters_spans(&pf.root, &secure);
                out.secrets.add(&pf.text, &hidden);
                out.extra_texts.push((shown, masked(&pf.text, &hidden)));
                parameter_files.push(pf);
            }
            Err((pos, message)) => linter_finding(
                set,
                LinterCode::ParseError,
                &shown,
                Span::new(pos, pos),
                message,
                &mut out.findings,
            ),
        }
    }
    let bicep = on_disk.and_then(|p| arm::bicep::beside(p, &path, &input.root));
    let label = std::path::Path::new(&*path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    let loaded = arm::load(file, &label, &root, &parameter_files, bicep);
    drop(root);
    for (span, message) in &loaded.errors {
        let shown = match span.src {
            0 => path.clone(),
            n => parameter_files
                .get(usize::from(n) - 1)
                .map_or_else(|| path.clone(), |p| p.path.clone()),
        };
        linter_finding(
            set,
            LinterCode::ParseError,
            &shown,
            span.in_source(0),
            message.clone(),
            &mut out.findings,
        );
    }
    if loaded.exceeded {
        linter_finding(
            set,
            LinterCode::InputLimitExceeded,
            &path,
            Span::new(Pos::new(1, 1), Pos::new(1, 1)),
            "template evaluation exceeded its work and memory limit; values past it are unknown"
                .into(),
            &mut out.findings,
        );
    }
    for (span, why) in &loaded.over_limits {
        linter_finding(
            set,
            LinterCode::InputLimitExceeded,
            &path,
            *span,
            why.clone(),
            &mut out.findings,
        );
    }
    out.unknown_functions = loaded.unknown_functions;
    out.not_deployed = loaded
        .skipped
        .iter()
        .map(|s| NotDeployed {
            path: path.clone(),
            at: s.at.start,
            resource: s.resource.clone(),
            parameters: s.parameters.clone(),
        })
        .collect();
    out.summary.resources = loaded
        .resources
        .iter()
        .filter(|r| r.kind() != "template")
        .count();
    if opts.parse_only {
        return;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return;
    }
    check_resources(loaded.resources, set, &path, None, out);
}
