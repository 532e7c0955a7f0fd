//! Stage 3, linter findings: AKL001–004, the linter's own findings about inputs and itself.

use super::*;

pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

pub(super) fn crashed(
    input: &Input,
    set: &PolicySet,
    panic: Box<dyn std::any::Any + Send>,
) -> FileOutcome {
    let what = panic_message(&*panic);
    let mut out = FileOutcome::new(input.display.clone(), input.explicit, set);
    out.summary.kind = FileKind::Broken;
    linter_finding(
        set,
        LinterCode::InternalError,
        &input.display,
        Span::new(Pos::new(1, 1), Pos::new(1, 1)),
        format!("internal error while checking this file: {what}; please report it"),
        &mut out.findings,
    );
    out
}

/// A finding of the linter itself (AKL001 parse error, AKL003 limit, AKL004 crash).
pub(super) fn linter_finding(
    set: &PolicySet,
    code: LinterCode,
    path: &Arc<str>,
    span: Span,
    message: String,
    out: &mut Vec<Finding>,
) {
    let id = code.id();
    let Some(rule) = set.index_of(id) else { return };
    if !set.enabled[rule] {
        return;
    }
    out.push(Finding {
        id: id.into(),
        rule,
        severity: set.severity[rule],
        fingerprint: fingerprint(&[id, path, &message]),
        // A parameters file shared by templates can be reported by each of them.
        dedupe_key: Some(format!("{id}#{path}#{:?}#{message}", span.start)),
        resource_file: None,
        suppression: None,
        also_at: None,
        message,
        path: path.clone(),
        span,
        resource: None,
        node_path: String::new(),
        related: Vec::new(),
    });
}
