//! Which files a run reads: named files, directory walks (honouring .gitignore), globs, stdin.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSetBuilder};

use crate::source::detect::syntax_for;

/// Directories never worth descending into.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", ".terraform"];

#[derive(Clone, Debug)]
pub enum Origin {
    File(PathBuf),
    /// Text handed over in memory (an editor's buffer, a test), already known to be UTF-8.
    Stdin(Arc<str>),
    /// Bytes read from standard input, checked like a file's (UTF-8, NUL) when linted.
    Piped(Arc<Vec<u8>>),
    /// Standard input that went on past the size limit; reading stopped there.
    PipedOverLimit,
}

#[derive(Clone, Debug)]
pub struct Input {
    /// Path as reported in findings.
    pub display: Arc<str>,
    pub origin: Origin,
    /// Named on the command line (not found by a walk): skipping it earns a notice.
    pub explicit: bool,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    pub no_ignore: bool,
    pub stdin_filename: Option<String>,
    /// Globs of paths to leave out.
    pub exclude: Vec<String>,
    /// Globs of paths to leave out, relative to a directory (the configuration file's).
    pub rooted_exclude: Option<(PathBuf, Vec<String>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error("invalid glob `{0}`: {1}")]
    Glob(String, String),
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
}

/// Expands the command-line paths into a sorted, de-duplicated list of inputs.
pub fn discover(
    paths: &[String],
    opts: &DiscoverOptions,
    // `None`: more than the size limit was offered (and not kept).
    read_stdin: impl FnOnce() -> std::io::Result<Option<Vec<u8>>>,
) -> Result<Vec<Input>, DiscoverError> {
    let mut out: Vec<Input> = Vec::new();
    let mut read_stdin = Some(read_stdin);
    let exclude = build_set(&opts.exclude)?;
    for p in paths {
        if p == "-" {
            let Some(read) = read_stdin.take() else {
                continue;
            };
            let bytes = read().map_err(DiscoverError::Stdin)?;
            let display = opts
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".into());
            out.push(Input {
                display: display.into(),
                origin: bytes.map_or(Origin::PipedOverLimit, |b| Origin::Piped(Arc::new(b))),
                explicit: true,
            });
            continue;
        }
        let path = Path::new(p);
        if path.is_file() {
            out.push(file_input(path, true));
        } else if path.is_dir() {
            walk(path, opts.no_ignore, None, &mut out);
        } else if p.contains(['*', '?', '[', '{']) {
            let base = glob_base(p);
            let glob = GlobBuilder::new(p.strip_prefix("./").unwrap_or(p))
                .literal_separator(true)
                .build()
                .map_err(|e| DiscoverError::Glob(p.clone(), e.to_string()))?
                .compile_matcher();
            walk(&base, opts.no_ignore, Some(&glob), &mut out);
        } else {
            return Err(DiscoverError::NotFound(p.clone()));
        }
    }
    if let Some(ex) = exclude {
        out.retain(|i| !ex.is_match(i.display.as_ref()));
    }
    if let Some((root, globs)) = &opts.rooted_exclude
        && let Some(ex) = build_set(globs)?
    {
        out.retain(|i| match &i.origin {
            Origin::File(p) => !ex.is_match(relative(p, root)),
            Origin::Stdin(_) | Origin::Piped(_) | Origin::PipedOverLimit => true,
        });
    }
    out.sort_by(|a, b| a.display.cmp(&b.display).then(b.explicit.cmp(&a.explicit)));
    out.dedup_by(|a, b| a.display == b.display);
    Ok(out)
}

fn build_set(globs: &[String]) -> Result<Option<globset::GlobSet>, DiscoverError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(
            GlobBuilder::new(g)
                .build()
                .map_err(|e| DiscoverError::Glob(g.clone(), e.to_string()))?,
        );
    }
    b.build()
        .map(Some)
        .map_err(|e| DiscoverError::Glob(globs.join(","), e.to_string()))
}

/// The literal directory a glob starts from (`manifests/**/*.yaml` → `manifests`).
fn glob_base(glob: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in glob.split('/') {
        if comp.contains(['*', '?', '[', '{']) {
            break;
        }
        base.push(comp);
    }
    if base.as_os_str().is_empty() || !base.is_dir() {
        PathBuf::from(".")
    } else {
        base
    }
}

/// `path` made absolute against the working directory, with `.` and `..` resolved lexically.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` relative to `base` (both lexically absolute), with `../` steps when it is outside.
pub fn relative(path: &Path, base: &Path) -> String {
    let (p, b) = (absolute(path), absolute(base));
    let pc: Vec<_> = p.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}

pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.to_string()
}

fn file_input(path: &Path, explicit: bool) -> Input {
    Input {
        display: display_path(path).into(),
        origin: Origin::File(path.to_path_buf()),
        explicit,
    }
}

fn walk(root: &Path, no_ignore: bool, glob: Option<&globset::GlobMatcher>, out: &mut Vec<Input>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(!no_ignore)
        .git_exclude(!no_ignore)
        .git_global(!no_ignore)
        .ignore(!no_ignore)
        .parents(!no_ignore)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let display = display_path(path);
        if syntax_for(&display).is_none() {
            continue;
        }
        if let Some(g) = glob
            && !g.is_match(&display)
        {
            continue;
        }
        out.push(file_input(path, false));
    }
}
