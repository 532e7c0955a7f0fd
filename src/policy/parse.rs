//! Reading one policy file from YAML into its compiled form, with diagnostics that point at
//! the offending line. build.rs runs this same code over `policies/` (so a broken built-in
//! policy fails the build with this diagnostic); at run time it reads `--policies` directories.

use miette::{Diagnostic, NamedSource, SourceSpan};

use super::decode;
use super::schema::Policy;
use crate::model::Span;
use crate::source::scalar::Schema;
use crate::source::{Limits, LineIndex, strip_bom, yaml};

/// A policy file that cannot be used, pointing at the offending line.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(akslint::policy))]
pub struct PolicyError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("here")]
    pub at: SourceSpan,
    #[help]
    pub help: Option<String>,
    /// 1-based line, for callers that print one-line errors (and tests).
    pub line: u32,
}

fn policy_error(
    origin: &str,
    text: &str,
    span: Span,
    message: String,
    help: Option<String>,
) -> Box<PolicyError> {
    let lines = LineIndex::new(text);
    let start = lines.offset(text, span.start);
    let end = lines.offset(text, span.end).max(start);
    Box::new(PolicyError {
        message: format!("{origin}: {message}"),
        src: NamedSource::new(origin, text.to_string()),
        at: (start, end - start).into(),
        help,
        line: span.start.line,
    })
}

/// Reads one policy file. `stem` is the file name without extension, which must equal the id.
pub fn parse_policy(
    text: &str,
    origin: &str,
    stem: Option<&str>,
    builtin: bool,
) -> Result<Policy, Box<PolicyError>> {
    let text = strip_bom(text);
    let stream = yaml::load(text, Schema::Core, Limits::default());
    if let Some(e) = stream.error {
        let p = e.pos();
        return Err(policy_error(
            origin,
            text,
            Span::new(p, p),
            format!("invalid YAML: {e}"),
            None,
        ));
    }
    if let Some(d) = stream.duplicates.first() {
        return Err(policy_error(
            origin,
            text,
            d.second,
            format!(
                "duplicate key `{}` (first at line {})",
                d.key, d.first.start.line
            ),
            None,
        ));
    }
    let mut docs = stream.docs.into_iter().filter(|d| !d.is_null());
    let Some(root) = docs.next() else {
        return Err(policy_error(
            origin,
            text,
            Span::default(),
            "empty policy file".into(),
            None,
        ));
    };
    if let Some(extra) = docs.next() {
        return Err(policy_error(
            origin,
            text,
            extra.span,
            "one policy per file: found a second document".into(),
            None,
        ));
    }
    let policy = decode::policy(&root, origin, builtin)
        .map_err(|e| policy_error(origin, text, e.span, e.message, e.help))?;
    if let Some(stem) = stem
        && stem != policy.id
    {
        let span = root.entry("id").map_or(root.span, |e| e.value.span);
        return Err(policy_error(
            origin,
            text,
            span,
            format!(
                "policy id `{}` does not match its file name `{stem}`",
                policy.id
            ),
            Some(format!(
                "rename the file to {}.yaml or change the id",
                policy.id
            )),
        ));
    }
    Ok(policy)
}

pub(crate) fn is_policy_file(p: &str) -> bool {
    p.ends_with(".yaml") || p.ends_with(".yml")
}

pub(crate) fn stem_of(p: &str) -> Option<String> {
    std::path::Path::new(p)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
}

/// The built-in policy files: every `*.yaml` / `*.yml` under `dir` (the repository's
/// `policies/`), as (path relative to `dir` with `/` separators, text), sorted by that path.
/// build.rs embeds exactly these, and a test reads them again to prove the embedded set equal.
pub fn builtin_sources(dir: &std::path::Path) -> std::io::Result<Vec<(String, String)>> {
    fn walk(
        dir: &std::path::Path,
        rel: &str,
        out: &mut Vec<(String, String)>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &rel, out)?;
            } else if is_policy_file(&rel) {
                out.push((rel, std::fs::read_to_string(entry.path())?));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Reads one built-in policy file (`rel` as from [`builtin_sources`]): origin
/// `policies/<rel>`, file stem = id.
pub fn parse_builtin(rel: &str, text: &str) -> Result<Policy, Box<PolicyError>> {
    let stem = stem_of(rel);
    parse_policy(text, &format!("policies/{rel}"), stem.as_deref(), true)
}
