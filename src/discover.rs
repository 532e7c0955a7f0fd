//! Which files a run reads: named files, directory walks (honouring .gitignore), globs, stdin.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSetBuilder};

use crate::confine::ScanRoot;
use crate::source::detect::{is_bicep_source, syntax_for};

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
    /// Where the files its content names may be read from.
    pub root: ScanRoot,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    pub no_ignore: bool,
    pub stdin_filename: Option<String>,
    /// Globs of paths to leave out.
    pub exclude: Vec<String>,
    /// Globs of paths to leave out, relative to a directory (the configuration file's).
    pub rooted_exclude: Option<(PathBuf, Vec<String>)>,
    /// The directory of the configuration in use: a scanned root when there is no repository.
    pub config_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error(
        "{path}: no such file or directory (a symbolic link to `{target}`, which does not exist)"
    )]
    DanglingLink { path: String, target: String },
    /// A FIFO, socket or device: never opened (a FIFO without a writer would block).
    #[error(
        "{path}: is not a regular file ({kind}); akslint reads files, directories and `-` (standard input){hint}"
    )]
    NotRegular {
        path: String,
        kind: &'static str,
        hint: &'static str,
    },
    #[error("{path}: symbolic link loop ({error})")]
    LinkLoop { path: String, error: std::io::Error },
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
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
    let config_dir = opts.config_dir.as_deref();
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
                root: ScanRoot::for_named(Path::new("."), config_dir),
            });
            continue;
        }
        let path = Path::new(p);
        let meta = std::fs::metadata(path);
        if meta.as_ref().is_ok_and(std::fs::Metadata::is_file) {
            out.push(file_input(
                path,
                true,
                &ScanRoot::for_named(path, config_dir),
            ));
        } else if meta.as_ref().is_ok_and(std::fs::Metadata::is_dir) {
            // A directory named but unreadable is an error like a missing one; deeper in the
            // walk it is a warning (see `walk_error`).
            if let Err(error) = std::fs::read_dir(path) {
                return Err(DiscoverError::Io {
                    path: p.clone(),
                    error,
                });
            }
            let root = ScanRoot::for_named(path, config_dir);
            walk(path, opts.no_ignore, None, &root, &mut out);
        } else if let Ok(m) = &meta {
            return Err(not_regular(p, m.file_type()));
        } else if p.contains(['*', '?', '[', '{']) {
            let base = glob_base(p);
            let glob = GlobBuilder::new(p.strip_prefix("./").unwrap_or(p))
                .literal_separator(true)
                .build()
                .map_err(|e| DiscoverError::Glob(p.clone(), e.to_string()))?
                .compile_matcher();
            let root = ScanRoot::for_named(&base, config_dir);
            walk(&base, opts.no_ignore, Some(&glob), &root, &mut out);
        } else {
            return Err(missing(
                p,
                meta.expect_err("neither a file nor a directory"),
            ));
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

/// A named path that is neither a file nor a directory (never opened).
fn not_regular(path: &str, t: std::fs::FileType) -> DiscoverError {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            "a FIFO or pipe"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let kind = {
        let _ = t;
        "a special file"
    };
    let hint = if kind == "a FIFO or pipe" {
        "; to lint a command's output, pipe it: `… | akslint check - --stdin-filename out.yaml`"
    } else {
        ""
    };
    DiscoverError::NotRegular {
        path: path.to_string(),
        kind,
        hint,
    }
}

/// Why a named path cannot be read (its `metadata` failed with `error`).
fn missing(path: &str, error: std::io::Error) -> DiscoverError {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if error.kind() == std::io::ErrorKind::NotFound {
        return match std::fs::read_link(path) {
            Ok(target) if link => DiscoverError::DanglingLink {
                path: path.to_string(),
                target: target.to_string_lossy().into_owned(),
            },
            _ => DiscoverError::NotFound(path.to_string()),
        };
    }
    if is_link_loop(&error) {
        return DiscoverError::LinkLoop {
            path: path.to_string(),
            error,
        };
    }
    DiscoverError::Io {
        path: path.to_string(),
        error,
    }
}

/// ELOOP (`io::ErrorKind::FilesystemLoop` is not stable yet).
fn is_link_loop(e: &std::io::Error) -> bool {
    let eloop = if cfg!(any(target_os = "linux", target_os = "android")) {
        40
    } else if cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    )) {
        62
    } else {
        return false;
    };
    e.raw_os_error() == Some(eloop)
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

pub use crate::model::paths::{absolute, display_path, relative};

fn file_input(path: &Path, explicit: bool, root: &ScanRoot) -> Input {
    Input {
        display: display_path(path).into(),
        origin: Origin::File(path.to_path_buf()),
        explicit,
        root: root.clone(),
    }
}

/// `.tf` and `.tfvars` files (`.tf.json` and `.tfvars.json` are JSON already): parts of a
/// Terraform module.
fn is_terraform_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf") || lower.ends_with(".tfvars")
}

/// Terraform module files grouped into one input per module directory: the directory's first
/// configuration file named or found (`is_config`) stands for the module, explicit when any
/// of its files was named. A directory that another module directory of the run calls as a
/// local module (`calls`) is linted through its caller, unless one of its files was named.
/// `None` when the inputs hold no module file.
pub fn group_terraform(
    inputs: &[Input],
    is_member: fn(&str) -> bool,
    is_config: fn(&str) -> bool,
    calls: fn(&Path, &ScanRoot) -> Vec<PathBuf>,
) -> Option<Vec<Input>> {
    // In-memory text (an editor buffer, standard input) named by an absolute path belongs to
    // the module of that directory, and stands for it: its text replaces the file on disk.
    let dir_of = |i: &Input| match &i.origin {
        Origin::File(p) => Some(absolute(p.parent().unwrap_or(Path::new(".")))),
        Origin::Stdin(_) | Origin::Piped(_) if Path::new(&*i.display).is_absolute() => Some(
            absolute(Path::new(&*i.display).parent().unwrap_or(Path::new("/"))),
        ),
        _ => None,
    };
    let in_memory = |i: &Input| !matches!(i.origin, Origin::File(_));
    if !inputs
        .iter()
        .any(|i| is_member(&i.display) && dir_of(i).is_some())
    {
        return None;
    }
    // Directory → (index of the input standing for it, explicit).
    let mut groups: std::collections::BTreeMap<PathBuf, (usize, bool)> = Default::default();
    for (n, i) in inputs.iter().enumerate() {
        if !is_member(&i.display) {
            continue;
        }
        let Some(d) = dir_of(i) else { continue };
        let entry = groups.entry(d).or_insert((n, false));
        let lead = &inputs[entry.0];
        // A buffer stands for the module, else a configuration file before a variables file.
        if in_memory(i) || (!in_memory(lead) && is_config(&i.display) && !is_config(&lead.display))
        {
            entry.0 = n;
        }
        entry.1 |= i.explicit;
    }
    // Modules called by another module of the run, transitively from the roots.
    let called: std::collections::BTreeMap<&PathBuf, Vec<PathBuf>> = groups
        .iter()
        .map(|(d, (n, _))| {
            let calls = calls(d, &inputs[*n].root)
                .into_iter()
                .map(|c| absolute(&c))
                .filter(|c| c != d)
                .collect();
            (d, calls)
        })
        .collect();
    let is_called: std::collections::BTreeSet<&PathBuf> = called.values().flatten().collect();
    let mut reached: std::collections::BTreeSet<PathBuf> = Default::default();
    let mut todo: Vec<&PathBuf> = called
        .keys()
        .copied()
        .filter(|d| !is_called.contains(d))
        .collect();
    while let Some(d) = todo.pop() {
        for c in called.get(d).into_iter().flatten() {
            if groups.contains_key(c) && reached.insert(c.clone()) {
                todo.push(c);
            }
        }
    }
    let leads: std::collections::BTreeMap<usize, bool> = groups
        .iter()
        .filter(|(d, (_, explicit))| *explicit || !reached.contains(*d))
        .map(|(_, (n, explicit))| (*n, *explicit))
        .collect();
    Some(
        inputs
            .iter()
            .enumerate()
            .filter_map(|(n, i)| {
                if !is_member(&i.display) || dir_of(i).is_none() {
                    return Some(i.clone());
                }
                leads.get(&n).map(|explicit| Input {
                    explicit: *explicit,
                    ..i.clone()
                })
            })
            .collect(),
    )
}

fn walk(
    root: &Path,
    no_ignore: bool,
    glob: Option<&globset::GlobMatcher>,
    scan: &ScanRoot,
    out: &mut Vec<Input>,
) {
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
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                walk_error(&e);
                continue;
            }
        };
        // Symbolic links (not followed), FIFOs, sockets and devices are not inputs.
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let display = display_path(path);
        if syntax_for(&display).is_none()
            && !is_bicep_source(&display)
            && !is_terraform_file(&display)
        {
            continue;
        }
        if let Some(g) = glob
            && !g.is_match(&display)
        {
            continue;
        }
        out.push(file_input(path, false, scan));
    }
}

/// A directory the walk could not read hides its files: say so on stderr (the run goes on).
/// Entries gone since they were listed are not worth a word; a broken ignore file is.
fn walk_error(e: &ignore::Error) {
    if e.io_error()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
    {
        return;
    }
    eprintln!(
        "akslint: warning: {}",
        crate::model::text::printable(&walk_error_message(e))
    );
}

fn walk_error_message(e: &ignore::Error) -> String {
    fn path_of(e: &ignore::Error) -> Option<&Path> {
        match e {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    // The OS error itself, without walkdir's "IO error for operation on PATH:" around it.
    let io = e.io_error().map(|io| {
        io.get_ref()
            .and_then(std::error::Error::source)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .unwrap_or(io)
    });
    match (path_of(e), io) {
        (Some(path), Some(io)) if path.is_dir() => format!(
            "cannot read directory {}: {io}; the files in it were not checked",
            display_path(path)
        ),
        (Some(path), Some(io)) => format!("cannot read {}: {io}", display_path(path)),
        _ => e.to_string(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn named(path: &Path) -> String {
        let p = path.to_string_lossy().into_owned();
        match discover(
            std::slice::from_ref(&p),
            &DiscoverOptions::default(),
            || Ok(Default::default()),
        ) {
            Ok(found) => format!("found {}", found.len()),
            Err(e) => e.to_string().replace(&p, "P"),
        }
    }

    #[test]
    fn named_special_files_and_links_say_what_they_are() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        symlink("a.yaml", d.join("b.yaml")).unwrap();
        symlink("b.yaml", d.join("a.yaml")).unwrap();
        symlink("missing.yaml", d.join("gone.yaml")).unwrap();
        assert!(
            named(&d.join("a.yaml")).starts_with("P: symbolic link loop ("),
            "{}",
            named(&d.join("a.yaml"))
        );
        assert_eq!(
            named(&d.join("gone.yaml")),
            "P: no such file or directory (a symbolic link to `missing.yaml`, which does not exist)"
        );
        assert_eq!(
            named(&d.join("nothing.yaml")),
            "P: no such file or directory"
        );
        // A character device, if /dev/zero is one here (sandboxes may differ).
        let zero = Path::new("/dev/zero");
        if std::fs::metadata(zero).is_ok_and(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_char_device()
        }) {
            assert!(named(zero).starts_with("P: is not a regular file (a character device)"));
        }
        let fifo = d.join("pipe.yaml");
        if std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success())
        {
            // Never opened: this would block without a writer.
            assert!(named(&fifo).starts_with("P: is not a regular file (a FIFO or pipe)"));
        }
    }
}
