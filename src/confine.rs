//! Files that repository content asks akslint to read — a Helm `# Source:` template, the
//! parameters file or `.bicep` beside a template, a Terraform module's `.tf` files, the policy
//! files an `.akslint.yaml` names — are read only from inside the scanned root, checked on
//! canonical paths so that neither `..` nor a symbolic link leads out. On a pull request the
//! repository is the attacker's: without this a committed symlink prints `/etc/…` into the CI
//! log. Every read here and of inputs themselves refuses what is not a regular file (a FIFO or
//! `/dev/zero` would never end) and stops at the input size limit.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The size limit of every file akslint reads (DESIGN §6): 100 MiB.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("it resolves outside the scanned root `{root}`")]
    Outside { root: String },
    #[error("it is not a regular file")]
    NotRegular,
    #[error("it is {size}, over the {limit} limit")]
    TooLarge { size: String, limit: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is not valid UTF-8")]
    NotUtf8,
}

/// The directory side reads must stay in, canonical.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScanRoot(Arc<Path>);

impl ScanRoot {
    /// The root of a path named on the command line (or the working directory, for standard
    /// input): the repository it is in (the nearest directory upward holding `.git`), else the
    /// directory of the configuration in use when the path is inside it, else the working
    /// directory when the path is inside it (the user chose both), else the named directory
    /// itself or the named file's directory.
    pub fn for_named(named: &Path, config_dir: Option<&Path>) -> ScanRoot {
        let abs = canonical_or_absolute(named);
        let top = if abs.is_dir() {
            abs
        } else {
            abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf)
        };
        let git = top.ancestors().find(|d| d.join(".git").exists());
        let config = config_dir
            .map(canonical_or_absolute)
            .filter(|c| top.starts_with(c));
        let cwd = std::env::current_dir()
            .ok()
            .map(|d| canonical_or_absolute(&d))
            .filter(|d| top.starts_with(d));
        let root = git.map(Path::to_path_buf).or(config).or(cwd).unwrap_or(top);
        ScanRoot(root.into())
    }

    /// A root that is exactly `dir` (tests, the policy harness, the editor's workspace folder).
    pub fn at(dir: &Path) -> ScanRoot {
        ScanRoot(canonical_or_absolute(dir).into())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The canonical form of `path` when it exists and lies inside the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let canonical = std::fs::canonicalize(path)?;
        if canonical.starts_with(&self.0) {
            Ok(canonical)
        } else {
            Err(ReadError::Outside {
                root: self.0.display().to_string(),
            })
        }
    }

    /// Reads a side file named by repository content: inside the root, regular, capped.
    pub fn read_to_string(&self, path: &Path) -> Result<String, ReadError> {
        let canonical = self.resolve(path)?;
        read_text(&canonical)
    }

    /// Whether `path` is a regular file inside the root (what a lookup may pick).
    pub fn has_file(&self, path: &Path) -> bool {
        self.resolve(path).is_ok_and(|p| p.is_file())
    }
}

fn canonical_or_absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| crate::model::paths::absolute(p))
}

/// Reads at most `MAX_FILE_BYTES` of a regular file; anything else is refused before reading.
/// The type and size are those of the opened handle, so a swap after the check changes nothing.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let too_large = |size: u64| ReadError::TooLarge {
        size: mebibytes(size),
        limit: mebibytes(MAX_FILE_BYTES),
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A file that grows while it is read stops one byte past the limit.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// `read_bytes` as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read_bytes(path)?).map_err(|_| ReadError::NotUtf8)
}

/// `1.5 MiB`, as limits are written.
pub fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.2} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_dotdot_out_of_the_root_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(tmp.path().join("outside.txt"), "secret").unwrap();
        std::fs::write(root.join("sub/inside.txt"), "ok").unwrap();
        let scan = ScanRoot::at(&root);
        assert_eq!(
            scan.read_to_string(&root.join("sub/inside.txt")).unwrap(),
            "ok"
        );
        let dotdot = root.join("sub/../../outside.txt");
        assert!(matches!(
            scan.read_to_string(&dotdot),
            Err(ReadError::Outside { .. })
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("outside.txt"), root.join("link.txt"))
                .unwrap();
            assert!(matches!(
                scan.read_to_string(&root.join("link.txt")),
                Err(ReadError::Outside { .. })
            ));
            // A sibling whose name starts like the root is not inside it.
            std::fs::create_dir_all(tmp.path().join("repo2")).unwrap();
            std::fs::write(tmp.path().join("repo2/x"), "no").unwrap();
            assert!(scan.read_to_string(&tmp.path().join("repo2/x")).is_err());
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_reading() {
        assert!(matches!(
            read_bytes(Path::new("/dev/zero")),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_bytes(Path::new("/")),
            Err(ReadError::NotRegular | ReadError::Io(_))
        ));
    }

    #[test]
    fn the_root_of_a_named_path_is_its_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        std::fs::write(repo.join("a/b/x.yaml"), "").unwrap();
        let canon = std::fs::canonicalize(&repo).unwrap();
        assert_eq!(
            ScanRoot::for_named(&repo.join("a/b/x.yaml"), None).path(),
            canon
        );
        let plain = tmp.path().join("plain/c");
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::write(plain.join("y.yaml"), "").unwrap();
        let plain_canon = std::fs::canonicalize(&plain).unwrap();
        assert_eq!(
            ScanRoot::for_named(&plain.join("y.yaml"), None).path(),
            plain_canon
        );
        assert_eq!(ScanRoot::for_named(&plain, None).path(), plain_canon);
        let config = std::fs::canonicalize(tmp.path().join("plain")).unwrap();
        assert_eq!(
            ScanRoot::for_named(&plain.join("y.yaml"), Some(&config)).path(),
            config
        );
    }
}
