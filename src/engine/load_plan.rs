//! Loading a Terraform plan: planned resources joined with the configuration and `.tf` sources.

use super::*;

/// A Terraform plan: join planned values with changes, find the `.tf` sources, check.
pub(super) fn process_plan(
    file: usize,
    input: &Input,
    root: Node,
    text: &str,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) {
    let path = input.display.clone();
    out.summary.kind = FileKind::Terraform;
    let (dir, shown) = match (&opts.tf_root, &input.origin) {
        (Some(r), _) => (
            r.clone(),
            std::path::PathBuf::from(crate::discover::display_path(r)),
        ),
        (None, Origin::File(p)) => (
            p.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            std::path::Path::new(&*path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
        ),
        (None, Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit) => {
            (std::path::PathBuf::from("."), std::path::PathBuf::new())
        }
    };
    let dir = if dir.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        dir
    };
    // A `--tf-root` (or the configuration's `tf-root`, checked to be in the repository) is
    // the user's; otherwise the plan's own scanned root bounds what its modules may name.
    let confine = match &opts.tf_root {
        Some(r) => crate::confine::ScanRoot::for_named(r, None),
        None => input.root.clone(),
    };
    let sources =
        tfplan::source::SourceIndex::build(root.get("configuration"), &dir, &shown, &confine);
    let plan_secrets = secrets::spans(&root);
    // Findings land on these `.tf` lines: their frames and suppression comments.
    for (p, t) in sources.files() {
        out.suppressions.extend(suppress::scan_comments(&t, &p));
        out.extra_texts.push((p, secrets::mask_lines(&t).into()));
    }
    let loaded = tfplan::load(file, &root, &sources);
    drop(root);
    out.notes
        .extend(loaded.notes.iter().map(|n| (n.clone(), path.clone())));
    out.not_linted = loaded
        .unmatched_updates
        .iter()
        .map(|(address, at)| NotLinted {
            path: path.clone(),
            at: at.start,
            resource: format!("azapi_update_resource {address}"),
            why: "its target (resource_id) is not in the plan",
        })
        .collect();
    // Code frames must never show a sensitive value, nor one named like a credential.
    let mut hidden = loaded.sensitive.clone();
    hidden.extend(plan_secrets);
    out.secrets.add(text, &hidden);
    out.text = Some(tfplan::redact(text, &hidden).into());
    for (span, message) in &loaded.problems {
        linter_finding(
            set,
            LinterCode::ParseError,
            &path,
            *span,
            message.clone(),
            &mut out.findings,
        );
    }
    out.summary.resources = loaded.resources.len();
    if opts.parse_only {
        return;
    }
    if opts.collect {
        out.kept = loaded.resources;
        return;
    }
    check_resources(loaded.resources, set, &path, None, out);
}
