//! Where a finding is shown: each format's adapter turns the node a check pointed at (its
//! span and the keys of its path) into the primary location a person edits and the related
//! locations that explain it. The engine calls [`locate`] and knows no format.

use std::sync::Arc;

use super::helm::{TemplateFiles, template_line};
use super::{arm, bicep, terraform, tfplan};
use crate::model::{ArmOrigin, RelatedLocation, Resource, Span};

/// The node a check pointed at.
pub struct Place<'a> {
    /// The file of the resource (`Span::src` 0).
    pub file: &'a Arc<str>,
    pub span: Span,
    /// The keys of the path to the node, whole (never split on `.`).
    pub keys: &'a [String],
    /// The other side of a relation, already located (`refers_to`, `related`).
    pub relation: Option<RelatedLocation>,
}

/// A finding's locations, as the adapter of its format decides them.
pub struct Located {
    /// The file and span shown as the finding's place.
    pub path: Arc<str>,
    pub span: Span,
    /// The file that names the finding in its fingerprint: where the evaluated value lives,
    /// even when the finding is shown on a template line.
    pub identity_path: Arc<str>,
    /// What else distinguishes the finding's identity (the ARM parameters file evaluated).
    pub variant: Option<Arc<str>>,
    /// Another place suppression comments apply (the rendered line of a Helm template finding).
    pub also_at: Option<(Arc<str>, Span)>,
    pub related: Vec<RelatedLocation>,
    /// Several evaluations of one template (one per parameters file) report the same finding
    /// at the same place once.
    pub once_per_place: bool,
}

/// Source files a run found beside its inputs, for the adapters that map findings there.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The chart templates of a Helm-rendered input.
    pub templates: Option<&'a TemplateFiles>,
}

pub fn locate(res: &Resource, at: Place<'_>, sources: Sources<'_>) -> Located {
    let keys: Vec<&str> = at.keys.iter().map(String::as_str).collect();
    let (span, path_keys) = (at.span, at.keys);
    let mut located = if let Some(arm) = &res.arm {
        locate_arm(arm, res, at, &keys)
    } else if let Some(template) = &res.helm_source {
        locate_helm(template, at, &keys, sources.templates)
    } else {
        Located {
            path: at.file.clone(),
            span: at.span.in_source(0),
            identity_path: at.file.clone(),
            variant: None,
            also_at: None,
            related: at.relation.into_iter().collect(),
            once_per_place: false,
        }
    };
    // A plan resource (or an azapi body in one) whose `.tf` block was found: the line a
    // reviewer sees is primary, the planned value related (suppressions there apply too).
    if let Some(src) = res.tf.as_ref().and_then(|t| t.source.as_ref()) {
        located.related.push(RelatedLocation {
            path: located.path.clone(),
            span: Some(span.in_source(0)),
            message: format!("`{}` in the plan", res.name().unwrap_or("")),
            in_repository: true,
        });
        located.also_at = Some((located.path.clone(), span));
        located.path = src.path.clone();
        located.span = tfplan::source::attribute_span(src, &keys);
    }
    // A `.tf` source resource: the file its node is in, the header of a whole block, the
    // module calls that lead to it.
    if let Some((path, span)) = terraform::locate(res, span, path_keys, &mut located.related) {
        located.identity_path = path.clone();
        located.path = path;
        located.span = span.in_source(0);
    }
    located
}

/// A Helm finding lands on the chart template's line when the template is on disk; the
/// rendered line stays related (and suppressions there apply).
fn locate_helm(
    template: &str,
    at: Place<'_>,
    keys: &[&str],
    templates: Option<&TemplateFiles>,
) -> Located {
    let found = templates
        .and_then(|ts| ts.get(template))
        .and_then(|(shown, text)| template_line(text, keys).map(|span| (shown.clone(), span)));
    let mut related = Vec::new();
    let (path, span, also_at) = match found {
        Some((tpath, tspan)) => {
            related.push(RelatedLocation {
                path: at.file.clone(),
                span: Some(at.span),
                message: "rendered here".into(),
                in_repository: true,
            });
            (tpath, tspan, Some((at.file.clone(), at.span)))
        }
        None => {
            related.push(RelatedLocation {
                path: template.into(),
                span: None,
                message: "rendered from this Helm template".into(),
                in_repository: false,
            });
            (at.file.clone(), at.span.in_source(0), None)
        }
    };
    related.extend(at.relation);
    Located {
        path,
        span,
        identity_path: at.file.clone(),
        variant: None,
        also_at,
        related,
        once_per_place: false,
    }
}

/// The file an ARM finding is in (a parameters file when its value came from there), and the
/// related locations that explain it: the resource's declaration, the parameters file used,
/// the Bicep declaration.
fn locate_arm(arm: &ArmOrigin, res: &Resource, at: Place<'_>, keys: &[&str]) -> Located {
    let template = at.file;
    let mut related: Vec<RelatedLocation> = at.relation.into_iter().collect();
    let primary = source_path(arm, template, at.span.src);
    let inside = at.span.src == res.root.span.src
        && res.root.span.start <= at.span.start
        && at.span.end <= res.root.span.end;
    let what = match &arm.symbol {
        Some(s) => format!("resource `{s}` ({})", res.kind()),
        None => format!("{} `{}`", res.kind(), res.name().unwrap_or("")),
    };
    if !inside {
        related.push(RelatedLocation {
            path: source_path(arm, template, arm.declared.src),
            span: Some(arm.declared.in_source(0)),
            message: format!("{what} is declared here"),
            in_repository: true,
        });
    }
    if let Some(p) = &arm.parameters
        && at.span.src == 0
    {
        related.push(RelatedLocation {
            path: p.clone(),
            span: None,
            message: "evaluated with the values of this parameters file".into(),
            in_repository: true,
        });
    }
    related.extend(bicep_related(arm, template, keys));
    if let Some(b) = &arm.bicep
        && let Some(line) = arm::bicep::declaration_line(b, arm.symbol.as_deref(), res.kind())
    {
        related.push(RelatedLocation {
            path: b.path.clone(),
            span: Some(arm::bicep::property_span(b, line, keys)),
            message: format!("{what} in the Bicep source"),
            in_repository: true,
        });
    }
    Located {
        path: primary.clone(),
        span: at.span.in_source(0),
        identity_path: primary,
        variant: arm.parameters.clone(),
        also_at: None,
        related,
        once_per_place: true,
    }
}

/// The file a span of an ARM or Bicep resource points into: `Span::src` 0 is the input,
/// `n` the resource's `sources[n - 1]` (a parameters file, a `.bicepparam`, a module).
fn source_path(arm: &ArmOrigin, template: &Arc<str>, src: u16) -> Arc<str> {
    match src {
        0 => template.clone(),
        n => arm
            .sources
            .get(usize::from(n) - 1)
            .cloned()
            .unwrap_or_else(|| template.clone()),
    }
}

/// A Bicep resource's module call chain (and `.bicepparam` value), as related locations.
fn bicep_related(arm: &ArmOrigin, template: &Arc<str>, keys: &[&str]) -> Vec<RelatedLocation> {
    let Some(origin) = &arm.bicep_source else {
        return Vec::new();
    };
    let shown = |src: u16| source_path(arm, template, src);
    bicep::load::related(origin, keys, &shown)
        .into_iter()
        .map(|(path, span, message)| RelatedLocation {
            path,
            span: Some(span),
            message,
            in_repository: true,
        })
        .collect()
}
