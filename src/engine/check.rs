//! Stage 2, check: the per-resource checks of every resource of a file, and turning raw
//! findings into located findings (through the adapter of the resource's format).

use super::*;

/// Per-resource checks; resources that relational checks may need are kept.
pub(super) fn check_resources(
    resources: Vec<Resource>,
    set: &PolicySet,
    path: &Arc<str>,
    templates: Option<&TemplateFiles>,
    out: &mut FileOutcome,
) {
    let mut raw = Vec::new();
    for res in resources {
        out.suppressions.extend(suppress::of_resource(&res, path));
        let checks = set.applicable(&res);
        let relevant = set.is_relation_relevant(&res, &checks);
        let mut locator = Locator::default();
        let before: Vec<u64> = out.stats.iter().map(|s| s.undecided).collect();
        for &cref in &checks {
            if !set.check(cref).needs_index {
                run_check(
                    set,
                    cref,
                    &res,
                    None,
                    &mut locator,
                    &mut raw,
                    &mut out.stats[cref.0],
                );
            }
        }
        out.findings.extend(
            raw.drain(..)
                .map(|r| to_finding(r, &res, set, path, &[], templates)),
        );
        note_undecided(&res, path, &before, &out.stats, &mut out.undecided);
        if relevant {
            out.kept.push(res);
        }
    }
}

/// The per-resource checks on the documents read with the first value of each duplicated
/// key and the written values over merges (`yaml::load_shadowed`): a finding not already
/// reported at the same place is added. Neither counted as
/// resources nor seen by cross-resource checks (they are the same objects).
pub(super) fn check_shadowed(
    file: usize,
    docs: Vec<Node>,
    helm: &SourceMap,
    set: &PolicySet,
    path: &Arc<str>,
    templates: Option<&TemplateFiles>,
    out: &mut FileOutcome,
) {
    let mut scratch = FileOutcome::new(path.clone(), false, set);
    check_resources(
        kubernetes::resources(file, docs, helm),
        set,
        path,
        templates,
        &mut scratch,
    );
    let seen: std::collections::HashSet<(Arc<str>, Arc<str>, Span)> = out
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.path.clone(), f.span))
        .collect();
    out.findings.extend(
        scratch
            .findings
            .into_iter()
            .filter(|f| !seen.contains(&(f.id.clone(), f.path.clone(), f.span))),
    );
}

/// `all_paths` resolves the file of a related resource (empty before the relation pass).
pub(super) fn to_finding(
    raw: RawFinding,
    res: &Resource,
    set: &PolicySet,
    path: &Arc<str>,
    all_paths: &[Arc<str>],
    templates: Option<&TemplateFiles>,
) -> Finding {
    let policy = &set.policies[raw.check.0];
    let relation = raw
        .related_file
        .clone()
        .map(|(file, span, message)| RelatedLocation {
            path: all_paths.get(file).cloned().unwrap_or_else(|| path.clone()),
            span: Some(span),
            message,
            in_repository: true,
        });
    let located = locate::locate(
        res,
        Place {
            file: path,
            span: raw.span,
            keys: &raw.keys,
            relation,
        },
        Sources { templates },
    );
    let ns = res.namespace().unwrap_or("");
    let name = res.name().unwrap_or("");
    let check = set.check(raw.check);
    let mut dedupe_key = match check.report {
        ReportMode::Each => None,
        ReportMode::OncePerNamespace => Some(format!("{}#{}#{ns}", policy.id, raw.check.1)),
        ReportMode::OncePerResource => {
            Some(format!("{}#{}#{path}#{}", policy.id, raw.check.1, res.id))
        }
    };
    if located.once_per_place && dedupe_key.is_none() {
        dedupe_key = Some(format!(
            "{}#{}#{:?}#{}",
            policy.id, located.identity_path, raw.span.start, raw.message
        ));
    }
    // Identity, not location: the rendered file even when the finding lands in a template.
    let fingerprint = fingerprint(&[
        &policy.id,
        &located.identity_path,
        res.kind(),
        ns,
        name,
        &raw.stable_path,
        located.variant.as_deref().unwrap_or(""),
    ]);
    Finding {
        id: policy.id.as_str().into(),
        rule: raw.check.0,
        severity: set.severity[raw.check.0],
        fingerprint,
        message: raw.message,
        path: located.path,
        span: located.span,
        also_at: located.also_at,
        resource: Some(res.id.clone()),
        node_path: raw.node_path,
        related: located.related,
        dedupe_key,
        resource_file: Some(path.clone()),
        suppression: None,
    }
}

/// Notes which policies left `res` undecided, from the counts before and after its checks.
pub(super) fn note_undecided(
    res: &Resource,
    path: &Arc<str>,
    before: &[u64],
    after: &[PolicyStats],
    out: &mut Vec<Undecided>,
) {
    let policies: Vec<usize> = after
        .iter()
        .zip(before)
        .enumerate()
        .filter(|(_, (a, b))| a.undecided > **b)
        .map(|(i, _)| i)
        .collect();
    if !policies.is_empty() {
        out.push(Undecided {
            path: path.clone(),
            at: res.root.span.start,
            resource: res.id.to_string(),
            policies,
        });
    }
}

/// Merges the per-pass records of one resource.
pub(super) fn merge_undecided(mut all: Vec<Undecided>) -> Vec<Undecided> {
    let mut by: BTreeMap<(Arc<str>, Pos, String), Vec<usize>> = BTreeMap::new();
    for u in all.drain(..) {
        by.entry((u.path, u.at, u.resource))
            .or_default()
            .extend(u.policies);
    }
    by.into_iter()
        .map(|((path, at, resource), mut policies)| {
            policies.sort_unstable();
            policies.dedup();
            Undecided {
                path,
                at,
                resource,
                policies,
            }
        })
        .collect()
}

/// What the cross-resource checks of one resource found.
pub(super) type Relational = (Vec<Finding>, Vec<PolicyStats>, Vec<Undecided>);

/// Stage 2b: the checks that read other resources (`related`, `refers_to`, `binds`), for
/// every kept resource over one read-only index of all of them.
pub(super) fn relations(
    kept: &[Resource],
    set: &PolicySet,
    paths: &[Arc<str>],
    templates: &[Option<Arc<TemplateFiles>>],
) -> Vec<Relational> {
    let index = Index::new(kept.iter());
    kept
            .par_iter()
            .with_max_len(1)
            .map(|res| {
                catch_unwind(AssertUnwindSafe(|| {
                let mut raw = Vec::new();
                let mut stats = vec![PolicyStats::default(); set.policies.len()];
                let mut locator = Locator::default();
                let mut undecided = Vec::new();
                for cref in set.applicable(res) {
                    if set.check(cref).needs_index {
                        run_check(
                            set,
                            cref,
                            res,
                            Some(&index),
                            &mut locator,
                            &mut raw,
                            &mut stats[cref.0],
                        );
                    }
                }
                let findings = raw
                    .into_iter()
                    .map(|r| {
                        to_finding(
                            r,
                            res,
                            set,
                            &paths[res.file],
                            paths,
                            templates[res.file].as_deref(),
                        )
                    })
                    .collect();
                note_undecided(res, &paths[res.file], &vec![0; stats.len()], &stats, &mut undecided);
                (findings, stats, undecided)
                }))
                .unwrap_or_else(|panic| {
                    let mut findings = Vec::new();
                    linter_finding(
                        set,
                        LinterCode::InternalError,
                        &paths[res.file],
                        res.root.span,
                        format!(
                            "internal error while checking {} `{}` against other resources: {}; please report it",
                            res.kind(),
                            res.name().unwrap_or("(unnamed)"),
                            panic_message(&*panic)
                        ),
                        &mut findings,
                    );
                    (findings, Vec::new(), Vec::new())
                })
            })
            .collect()
}
