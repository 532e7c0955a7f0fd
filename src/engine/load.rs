//! Stage 1b, load: detect what an input is, parse it into spanned documents and hand them to
//! the adapter of its format, which returns resources.

use super::*;

/// `104857600` → `100 MiB`; a size just over it gets two decimals (`100.00 MiB`) rather than
/// reading like the limit itself.
pub(super) fn process_file(
    file: usize,
    input: &Input,
    set: &PolicySet,
    opts: &Options,
) -> FileOutcome {
    #[cfg(test)]
    if input.display.ends_with("panic-in-process-file.yaml") {
        panic!("injected by a test");
    }
    if bicep::is_input(&input.display) && opts.input_format == InputFormat::Auto {
        return bicep::process_file(file, input, set, opts);
    }
    let mut out = FileOutcome::new(input.display.clone(), input.explicit, set);
    if opts.input_format == InputFormat::Auto && terraform::is_module_input(input) {
        terraform::process(file, input, set, opts, &mut out);
        return out;
    }
    let path = input.display.clone();
    // A file named explicitly without an extension (`~/.kube/config`) is read as YAML, but
    // only counts as an input if it parses and holds Kubernetes objects: a Makefile passed by
    // a pre-commit hook must not become a parse error.
    let mut tentative = false;
    let syntax = match (opts.input_format, syntax_for(&path)) {
        (InputFormat::Auto, Some(s)) => s,
        (InputFormat::Auto, None) if input.explicit && !has_extension(&path) => {
            tentative = true;
            Syntax::Yaml
        }
        (InputFormat::Auto, None) if matches!(input.origin, Origin::File(_)) => return out,
        (InputFormat::Arm | InputFormat::Terraform, _) => Syntax::Json,
        _ => match &input.origin {
            Origin::Stdin(t) => syntax_for(&path).unwrap_or_else(|| sniff(t)),
            Origin::Piped(b) => syntax_for(&path)
                .unwrap_or_else(|| sniff(&String::from_utf8_lossy(&b[..b.len().min(4096)]))),
            Origin::File(_) | Origin::PipedOverLimit => syntax_for(&path).unwrap_or(Syntax::Yaml),
        },
    };
    if syntax == Syntax::Yaml
        && let Origin::File(p) = &input.origin
        && is_chart_template(p)
    {
        // `{{ ... }}` is not YAML until Helm renders it.
        return out;
    }
    let Some(full_text) = read_or_report(input, set, &mut out) else {
        return out;
    };
    let text = strip_bom(&full_text);
    out.suppressions = suppress::scan_comments(text, &path);
    // Code frames must index the same text the positions were computed on.
    let full_text: Arc<str> = if text.len() == full_text.len() {
        full_text.clone()
    } else {
        Arc::from(text)
    };
    let (docs, helm, shadowed) = match syntax {
        Syntax::Yaml => match parse_yaml(text, &path, set, opts.limits, tentative, &mut out) {
            Some(parsed) => parsed,
            None => return out,
        },
        Syntax::Json => match parse_json(text, &path, set, opts, &mut out) {
            Some(JsonDoc::Kubernetes(doc, shadowed)) => (
                vec![doc],
                SourceMap::default(),
                shadowed.into_iter().collect(),
            ),
            Some(JsonDoc::Arm(root)) => {
                out.text = Some(full_text);
                process_arm(file, input, root, set, opts, &mut out);
                return out;
            }
            Some(JsonDoc::Plan(root)) => {
                process_plan(file, input, root, text, set, opts, &mut out);
                return out;
            }
            None => {
                if out.summary.kind == FileKind::Broken {
                    // Not parsed: its secrets are found line by line.
                    out.text = Some(secrets::mask_lines(&full_text).into());
                }
                return out;
            }
        },
    };
    // Secret values never reach a code frame (nor its context lines).
    // The values a duplicate key shadowed are only in the first-value reading.
    let secret: Vec<Span> = docs
        .iter()
        .chain(&shadowed)
        .flat_map(secrets::spans)
        .collect();
    // Text the parser did not turn into values (past a syntax error) is masked line by line.
    let unparsed = out.findings.iter().any(|f| {
        f.linter_code()
            .is_some_and(LinterCode::leaves_text_unparsed)
    });
    let resources = kubernetes::resources(file, docs, &helm);
    if !resources.is_empty() && out.summary.kind != FileKind::Broken {
        out.summary.kind = if helm.is_helm() || opts.input_format == InputFormat::Helm {
            FileKind::Helm
        } else {
            FileKind::Kubernetes
        };
    }
    out.summary.resources = resources.len();
    out.secrets.add(&full_text, &secret);
    out.text = Some(if unparsed {
        secrets::mask_lines(&masked(&full_text, &secret)).into()
    } else {
        masked(&full_text, &secret)
    });
    if opts.parse_only {
        return out;
    }
    if opts.collect {
        out.kept = resources;
        return out;
    }
    if helm.is_helm() {
        let on_disk = match &input.origin {
            Origin::File(p) => Some(p.as_path()),
            Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => None,
        };
        let found = TemplateFiles::find(&helm, on_disk, opts.helm_chart.as_deref(), &input.root);
        out.extra_texts.extend(
            found
                .texts()
                .map(|(p, t)| (p.clone(), Arc::from(secrets::mask_lines(t)))),
        );
        out.templates = Some(Arc::new(found));
    }
    let templates = out.templates.clone();
    check_resources(resources, set, &path, templates.as_deref(), &mut out);
    if !shadowed.is_empty() {
        check_shadowed(
            file,
            shadowed,
            &helm,
            set,
            &path,
            templates.as_deref(),
            &mut out,
        );
    }
    out
}

/// `text` with the values at `spans` masked (same length); shared when there are none.
pub(super) fn masked(text: &Arc<str>, spans: &[Span]) -> Arc<str> {
    if spans.is_empty() {
        text.clone()
    } else {
        tfplan::redact(text, spans).into()
    }
}

/// A file under a Helm chart's `templates/` directory (next to `Chart.yaml`).
pub fn is_chart_template(path: &std::path::Path) -> bool {
    path.ancestors().skip(1).any(|a| {
        a.file_name().is_some_and(|n| n == "templates")
            && a.parent().is_some_and(|c| c.join("Chart.yaml").is_file())
    })
}

pub(super) fn has_extension(path: &str) -> bool {
    std::path::Path::new(path).extension().is_some()
}

/// A syntax error (AKL001) or a refused input (AKL003) of a file, at the parser's position.
pub(super) fn parse_problem(
    set: &PolicySet,
    path: &Arc<str>,
    limit: bool,
    what: &str,
    pos: Pos,
    error: &dyn std::fmt::Display,
    out: &mut FileOutcome,
) {
    let (id, message) = if limit {
        (
            LinterCode::InputLimitExceeded,
            format!("input refused: {error}"),
        )
    } else {
        (
            LinterCode::ParseError,
            format!("{what} syntax error: {error}"),
        )
    };
    linter_finding(
        set,
        id,
        path,
        Span::new(pos, pos),
        message,
        &mut out.findings,
    );
    out.summary.kind = FileKind::Broken;
}

/// The documents of a YAML stream (those before a syntax error too) and its Helm sources.
/// A `tentative` file (named without an extension) is `None` unless it parses cleanly and
/// holds a Kubernetes object.
pub(super) fn parse_yaml(
    text: &str,
    path: &Arc<str>,
    set: &PolicySet,
    limits: Limits,
    tentative: bool,
    out: &mut FileOutcome,
) -> Option<(Vec<Node>, SourceMap, Vec<Node>)> {
    // Documents that are not Kubernetes objects are dropped as they are read (values files,
    // CI configuration): their trees never add up in memory.
    let stream = yaml::load_kept(text, Schema::Yaml11, limits, is_kubernetes_object);
    if tentative && (stream.error.is_some() || !stream.docs.iter().any(is_kubernetes_object)) {
        return None;
    }
    // A values file or CI config with a duplicate key is not an input: not our finding.
    let has_objects = stream.docs.iter().any(is_kubernetes_object);
    for d in stream.duplicates.iter().filter(|_| has_objects) {
        linter_finding(
            set,
            LinterCode::ParseError,
            path,
            d.second,
            format!(
                "duplicate key `{}` (first at line {}); kubectl and Helm keep the last value, \
                 other readers may take the first: both are linted",
                d.key, d.first.start.line
            ),
            &mut out.findings,
        );
    }
    if let Some(e) = &stream.error {
        parse_problem(set, path, e.is_limit(), "YAML", e.pos(), e, out);
    }
    // The documents with a duplicated key, or with a written key a later `<<` merge set
    // again, once more with the first value of each and the written values over merges (one
    // more reading of the file, whatever their number): linted too, so that writing
    // `securityContext:` twice, or `privileged: true` before a `<<` of `privileged: false`
    // (kubectl reads `false`, the merge-key spec and go-yaml v3 `true`), cannot hide a value.
    let mut shadows: Vec<Pos> = stream
        .duplicates
        .iter()
        .map(|d| d.second.start)
        .chain(stream.merged_over.iter().map(|s| s.start))
        .collect();
    let shadowed = if has_objects && !shadows.is_empty() {
        // Sorted, so that many documents and many repeats cost a search each, not a product.
        shadows.sort_unstable();
        let first = yaml::load_shadowed(text, Schema::Yaml11, limits, is_kubernetes_object);
        first
            .docs
            .into_iter()
            .filter(|doc| {
                let i = shadows.partition_point(|p| *p < doc.span.start);
                shadows.get(i).is_some_and(|p| *p <= doc.span.end)
            })
            .collect()
    } else {
        Vec::new()
    };
    Some((stream.docs, SourceMap::scan(text), shadowed))
}

pub(super) enum JsonDoc {
    /// The manifest, and when it repeats a key, the manifest read with the first values.
    Kubernetes(Node, Option<Node>),
    Arm(Node),
    Plan(Node),
}

/// The document of a JSON file to lint; `None` when there is nothing to lint (recording
/// why in `out.summary.kind`).
pub(super) fn parse_json(
    text: &str,
    path: &Arc<str>,
    set: &PolicySet,
    opts: &Options,
    out: &mut FileOutcome,
) -> Option<JsonDoc> {
    let lines = LineIndex::new(text);
    let limits = opts.limits;
    // Duplicate keys are reported, then the document is linted with the last value of each
    // (what the API server or ARM would read, had they accepted it), as for YAML.
    let mut repeats = false;
    let loaded = json::load_document(text, &lines, limits).map(|doc| {
        if let Some(root) = &doc.root
            && let Some(consequence) = json::duplicate_consequence(root)
        {
            repeats = !doc.duplicates.is_empty();
            for d in &doc.duplicates {
                linter_finding(
                    set,
                    LinterCode::ParseError,
                    path,
                    d.second,
                    format!(
                        "duplicate key `{}` (first at line {}); {consequence}",
                        d.key, d.first.start.line
                    ),
                    &mut out.findings,
                );
            }
        }
        doc.root
    });
    match loaded {
        Ok(Some(root)) if opts.input_format == InputFormat::Arm => Some(JsonDoc::Arm(root)),
        Ok(Some(root)) if opts.input_format == InputFormat::Terraform => Some(JsonDoc::Plan(root)),
        Ok(Some(root)) => match classify_json(&root) {
            JsonKind::Kubernetes => {
                let shadowed = repeats
                    .then(|| json::load_shadowed(text, &lines, limits).ok()?.root)
                    .flatten();
                Some(JsonDoc::Kubernetes(root, shadowed))
            }
            JsonKind::ArmTemplate => Some(JsonDoc::Arm(root)),
            // Read with the template it belongs to.
            JsonKind::ArmParameters => None,
            JsonKind::TerraformPlan => Some(JsonDoc::Plan(root)),
            JsonKind::Other => None,
        },
        Ok(None) => None,
        Err(e) => {
            let limit = e.is_limit();
            parse_problem(set, path, limit, "JSON", e.pos(), &e, out);
            None
        }
    }
}
