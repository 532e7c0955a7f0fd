//! Finding policy files (embedded at build time, or in user directories) and reading them.

use std::path::{Path as FsPath, PathBuf};

use include_dir::{Dir, include_dir};
use miette::{Diagnostic, NamedSource, SourceSpan};

use super::decode;
use super::schema::{Docs, Policy};
use crate::model::Span;
use crate::source::scalar::Schema;
use crate::source::{Limits, LineIndex, strip_bom, yaml};

static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/policies");

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

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] Box<PolicyError>),
    #[error("cannot read policy {path}: {source}")]
    #[diagnostic(code(akslint::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("policy id {id} is defined twice: in {first} and in {second}")]
    #[diagnostic(code(akslint::policy))]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
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

/// The policies compiled into the binary.
pub fn builtin() -> Result<Vec<Policy>, LoadError> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // Reading ~70 policy files is most of a one-file run's start-up: use every core. The
    // result keeps the files' order (and the first error in that order).
    use rayon::prelude::*;
    files
        .into_par_iter()
        .map(|(path, text)| {
            let stem = stem_of(&path);
            let origin = format!("policies/{path}");
            match split_docs(text) {
                Some((body, fragment)) => {
                    let mut policy = parse_policy(&body, &origin, stem.as_deref(), true)?;
                    policy.docs = Docs::deferred(fragment);
                    Ok(policy)
                }
                None => parse_policy(text, &origin, stem.as_deref(), true),
            }
            .map_err(LoadError::from)
        })
        .collect()
}

/// Cuts a top-level `docs:` block scalar out of a policy file: the text without it (its lines
/// left empty, so line numbers stay those of the file) and the block itself, a YAML
/// fragment that [`Docs::deferred`] reads when the docs are first needed. `None` when the file
/// has no such block (or holds it in a form this line scan does not recognise: then the whole
/// file is parsed as usual).
fn split_docs(text: &'static str) -> Option<(String, &'static str)> {
    let start = if text.starts_with("docs:") {
        0
    } else {
        text.find("\ndocs:")? + 1
    };
    let first_line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let indicator = text[start + "docs:".len()..first_line_end].trim();
    if !matches!(indicator, "|" | "|-" | ">" | ">-") {
        return None;
    }
    let mut end = text.len();
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if !(content.is_empty() || content.starts_with(' ')) {
            end = offset;
            break;
        }
        offset += line.len();
    }
    let fragment = &text[start..end];
    let mut body = String::with_capacity(text.len() - fragment.len() + 64);
    body.push_str(&text[..start]);
    body.extend(std::iter::repeat_n('\n', fragment.matches('\n').count()));
    body.push_str(&text[end..]);
    Some((body, fragment))
}

fn collect_embedded<'a>(dir: &'a Dir<'a>, out: &mut Vec<(String, &'a str)>) {
    for f in dir.files() {
        let p = f.path().to_string_lossy().into_owned();
        if is_policy_file(&p)
            && let Some(text) = f.contents_utf8()
        {
            out.push((p, text));
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn is_policy_file(p: &str) -> bool {
    p.ends_with(".yaml") || p.ends_with(".yml")
}

fn stem_of(p: &str) -> Option<String> {
    FsPath::new(p)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
}

/// Every `*.yaml` policy under `dir`, in path order.
pub fn from_dir(dir: &FsPath) -> Result<Vec<Policy>, LoadError> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        // Fixtures may live beside the policies (`DIR/testdata/<ID>/`); they are not policies.
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0 && (name == "testdata" || name.starts_with('.')))
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| LoadError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let p = entry.path();
        if entry.file_type().is_some_and(|t| t.is_file()) && is_policy_file(&p.to_string_lossy()) {
            files.push(p.to_path_buf());
        }
    }
    if files.is_empty() && !dir.is_dir() {
        return Err(LoadError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        });
    }
    files
        .into_iter()
        .map(|p| {
            let text = crate::confine::read_text(&p).map_err(|e| LoadError::Io {
                path: p.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let origin = p.to_string_lossy().into_owned();
            parse_policy(&text, &origin, stem_of(&origin).as_deref(), false)
                .map_err(LoadError::from)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_docs_read_the_same_as_parsing_the_whole_file() {
        let mut files = Vec::new();
        collect_embedded(&BUILTIN, &mut files);
        assert!(files.len() > 50);
        for (path, text) in files {
            let whole = parse_policy(text, &path, None, true).unwrap();
            let (body, fragment) =
                split_docs(text).unwrap_or_else(|| panic!("{path}: no docs block found"));
            assert_eq!(body.lines().count(), text.lines().count(), "{path}");
            let cut = parse_policy(&body, &path, None, true).unwrap();
            assert!(cut.docs.is_empty(), "{path}: docs left in the body");
            let deferred = Docs::deferred(fragment);
            assert!(whole.docs.len() > 100, "{path}");
            assert_eq!(deferred.as_str(), whole.docs.as_str(), "{path}");
            assert_eq!(format!("{:?}", cut.checks), format!("{:?}", whole.checks));
            assert_eq!(cut.references, whole.references, "{path}");
        }
    }

    #[test]
    fn split_docs_keeps_later_keys_and_line_numbers() {
        let text = "id: X\ndocs: |\n  ## What\n\n  text\nreferences: []\nchecks: []\n";
        let (body, fragment) = split_docs(text).unwrap();
        assert_eq!(fragment, "docs: |\n  ## What\n\n  text\n");
        assert_eq!(body, "id: X\n\n\n\n\nreferences: []\nchecks: []\n");
        assert!(split_docs("id: X\ndocs: plain text\n").is_none());
    }
}
