//! The one suppression stage: every channel that silences findings — inline comments and
//! resource annotations (collected while loading), configuration `ignore-resources`,
//! `per-file-ignores`, the baseline — marks the finding with its reason and moves it to
//! `Report::suppressed`, so SARIF and `--show-suppressed` carry every one of them.

use std::path::{Path, PathBuf};

use globset::GlobMatcher;

use super::{Suppress, apply, baseline::Known, today};
use crate::model::paths::relative;
use crate::model::{Finding, Report, RuleInfo, Suppression, SuppressionKind};

/// `per-file-ignores` compiled when the configuration loads: a bad glob or an id no policy
/// has is an error before anything runs.
#[derive(Clone, Debug, Default)]
pub struct PerFileIgnores {
    /// The directory the globs are relative to (the configuration file's).
    root: PathBuf,
    rules: Vec<(GlobMatcher, String, Vec<String>)>,
}

impl PerFileIgnores {
    pub fn compile(
        root: &Path,
        entries: &[(String, Vec<String>)],
        known_ids: &[&str],
    ) -> Result<PerFileIgnores, String> {
        let mut rules = Vec::new();
        for (glob, ids) in entries {
            let m = globset::Glob::new(glob)
                .map_err(|e| format!("per-file-ignores: invalid glob `{glob}`: {e}"))?
                .compile_matcher();
            if let Some(id) = ids
                .iter()
                .find(|id| !known_ids.iter().any(|k| k.starts_with(id.as_str())))
            {
                return Err(format!(
                    "per-file-ignores `{glob}`: no policy matches `{id}`"
                ));
            }
            rules.push((m, glob.clone(), ids.clone()));
        }
        Ok(PerFileIgnores {
            root: root.to_path_buf(),
            rules,
        })
    }

    fn reason(&self, f: &Finding) -> Option<String> {
        if self.rules.is_empty() {
            return None;
        }
        let path = relative(Path::new(&*f.path), &self.root);
        self.rules
            .iter()
            .find(|(m, _, ids)| {
                m.is_match(&path) && ids.iter().any(|i| f.id.starts_with(i.as_str()))
            })
            .map(|(_, glob, _)| format!("per-file-ignores `{glob}` in .akslint.yaml"))
    }
}

/// The suppression channels of a run, set up before it starts.
#[derive(Clone, Debug, Default)]
pub struct Stage {
    /// Configuration `ignore-resources` entries.
    pub configured: Vec<Suppress>,
    pub per_file: PerFileIgnores,
    /// Fingerprints accepted earlier (`--baseline FILE`), with the file's name for the reason.
    pub baseline: Option<(Known, String)>,
    /// `--show-suppressed`: suppressed findings stay among the findings, marked.
    pub show_suppressed: bool,
    /// `YYYY-MM-DD` that `until:` dates are compared with (default: today, UTC).
    pub today: Option<String>,
}

impl Stage {
    /// Marks every suppressed finding of `report` and moves it to `report.suppressed`
    /// (or, with `show_suppressed`, leaves it among the findings with its reason);
    /// problems of the suppressions themselves become AKL002 findings. `comments` are the
    /// suppressions found in the inputs. Returns how many findings the baseline hid.
    pub fn apply(
        &self,
        report: &mut Report,
        mut comments: Vec<Suppress>,
        rules: &[RuleInfo<'_>],
    ) -> usize {
        comments.extend(self.configured.iter().cloned());
        let today = self.today.clone().unwrap_or_else(today);
        let mut suppressed = apply(&mut report.findings, &comments, rules, &today);
        let mut hidden = 0;
        let mut kept = Vec::with_capacity(report.findings.len());
        for mut f in std::mem::take(&mut report.findings) {
            let reason = self.per_file.reason(&f).or_else(|| {
                let (known, file) = self.baseline.as_ref()?;
                known.contains(&f).then(|| {
                    hidden += 1;
                    format!("in the baseline {file}")
                })
            });
            match reason {
                Some(justification) => {
                    f.suppression = Some(Suppression {
                        kind: SuppressionKind::External,
                        justification,
                    });
                    suppressed.push(f);
                }
                None => kept.push(f),
            }
        }
        report.findings = kept;
        suppressed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        if self.show_suppressed {
            for mut f in suppressed {
                if let Some(s) = &f.suppression {
                    f.message = format!("{} [suppressed: {}]", f.message, s.justification);
                }
                report.findings.push(f);
            }
        } else {
            report.suppressed = suppressed;
        }
        hidden
    }
}
