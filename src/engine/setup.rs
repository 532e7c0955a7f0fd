//! The run builder: a configuration plus what the command line (or an editor) overrides
//! becomes the policy set and engine options of a run — the same for `check` and the
//! language server.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Options;
use crate::config::{Config, FILE_NAME};
use crate::policy::PolicySet;
use crate::policy::compile::Selection;
use crate::suppress::{self, PerFileIgnores, Stage};

/// What the command line (or an editor) adds to or changes in the configuration.
#[derive(Debug, Default)]
pub struct Overrides {
    /// Replace the configuration's lists when non-empty.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Added to the configuration's directories.
    pub policies: Vec<PathBuf>,
    /// Win over the configuration's settings of the same name.
    pub settings: BTreeMap<String, Vec<String>>,
    /// Replace the configuration's when non-empty / set.
    pub arm_parameters: Vec<PathBuf>,
    pub tf_root: Option<PathBuf>,
    /// Appended to the configuration's (they win over it).
    pub tf_var_files: Vec<PathBuf>,
    pub tf_vars: Vec<(String, String)>,
}

/// A run set up from a configuration: policies selected and tuned, engine options filled.
pub struct Prepared {
    pub set: PolicySet,
    pub opts: Options,
    /// `exclude` globs with the directory they are relative to.
    pub rooted_exclude: Option<(PathBuf, Vec<String>)>,
}

/// Loads the policies and fills the engine options from a configuration, flags winning over
/// the file: the one run builder of `check` and the language server.
pub fn prepare(config: &Config, o: &Overrides) -> Result<Prepared, miette::Report> {
    let this = config;
    let mut dirs = this.policies.clone();
    dirs.extend(o.policies.iter().cloned());
    let mut set = PolicySet::load(&dirs).map_err(miette::Report::new)?;
    let upper = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let pick = |flag: &[String], file: &Option<Vec<String>>| {
        if flag.is_empty() {
            upper(file.as_deref().unwrap_or_default())
        } else {
            upper(flag)
        }
    };
    let selection = Selection {
        select: pick(&o.select, &this.select),
        ignore: pick(&o.ignore, &this.ignore),
    };
    // Before the run, like the selection: a bad glob or id fails here.
    let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    let per_file = PerFileIgnores::compile(
        &this.root.clone().unwrap_or_default(),
        &this.per_file_ignores,
        &ids,
    )
    .map_err(|e| miette::miette!(help = "`akslint rules` lists the policy ids", "{e}"))?;
    let configured = this
        .ignore_resources
        .iter()
        .map(|e| {
            suppress::of_config(
                &e.origin,
                e.span,
                &e.resource,
                e.ids.clone(),
                e.reason.clone(),
                e.until.clone(),
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| miette::miette!("{e}"))?;
    let unknown = selection.unknown(&set.policies);
    if !unknown.is_empty() {
        return Err(miette::miette!(
            help = "`akslint rules` lists the policy ids",
            "no policy matches {}",
            unknown
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    set.apply_selection(&selection);
    for (id, severity) in &this.severity {
        let Some(i) = set.index_of(id) else {
            return Err(miette::miette!(
                help = "`akslint rules` lists the policy ids",
                "{}: `severity` names unknown policy `{id}`",
                this.path.as_deref().unwrap_or(FILE_NAME)
            ));
        };
        set.severity[i] = *severity;
    }
    let mut settings = this.settings.clone();
    settings.extend(o.settings.clone());
    set.apply_settings(&settings)
        .map_err(|e| miette::miette!("{e}"))?;
    let arm_parameters = if o.arm_parameters.is_empty() {
        this.arm_parameters.clone()
    } else {
        o.arm_parameters.clone()
    };
    for p in &arm_parameters {
        if !p.is_file() {
            return Err(miette::miette!(
                "--arm-parameters {}: no such file",
                p.display()
            ));
        }
    }
    let extra_sources = match (&this.path, &this.text) {
        (Some(p), Some(t)) => vec![(p.clone(), t.clone())],
        _ => Vec::new(),
    };
    let opts = Options {
        arm_parameters,
        tf_root: o.tf_root.clone().or_else(|| this.tf_root.clone()),
        tf_var_files: this
            .tf_var_files
            .iter()
            .chain(&o.tf_var_files)
            .cloned()
            .collect(),
        tf_vars: this.tf_vars.iter().chain(&o.tf_vars).cloned().collect(),
        suppress: Stage {
            configured,
            per_file,
            ..Stage::default()
        },
        extra_sources,
        ..Default::default()
    };
    let rooted_exclude = this
        .root
        .clone()
        .filter(|_| !this.exclude.is_empty())
        .map(|r| (r, this.exclude.clone()));
    Ok(Prepared {
        set,
        opts,
        rooted_exclude,
    })
}
