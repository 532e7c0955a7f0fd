//! The set of loaded policies, indexed so a resource meets only the checks that apply to it.

use std::collections::{BTreeMap, HashMap};

use super::load::{self, LoadError};
use super::schema::{Check, Cond, KindName, KindSet, Op, Patterns, Policy, Severity};
use crate::model::{Format, Resource};

/// A policy and check index pair.
pub type CheckRef = (usize, usize);

/// `--select` / `--ignore`: comma lists of ids or id prefixes (`NET`, `POD00`), or `ALL`.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn matches(list: &[String], id: &str) -> bool {
        list.iter()
            .any(|p| p == "ALL" || id.starts_with(p.as_str()))
    }

    /// The linter's own AKL findings are on unless explicitly ignored, as syntax errors are
    /// in ruff: a `--select NET` run must still say when a file could not be read.
    pub fn enabled(&self, id: &str) -> bool {
        if Self::matches(&self.ignore, id) && !self.select.iter().any(|s| s == id) {
            return false;
        }
        if id.starts_with("AKL") {
            return true;
        }
        self.select.is_empty() || Self::matches(&self.select, id)
    }

    /// Ids or prefixes that name no policy at all: a typo the user should hear about.
    pub fn unknown<'a>(&'a self, policies: &[Policy]) -> Vec<&'a str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| *p != "ALL" && !policies.iter().any(|pol| pol.id.starts_with(p.as_str())))
            .map(String::as_str)
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    pub enabled: Vec<bool>,
    /// Severity after user overrides.
    pub severity: Vec<Severity>,
    by_id: BTreeMap<String, usize>,
    by_kind: HashMap<(Format, String), Vec<CheckRef>>,
    workload: Vec<CheckRef>,
    any: HashMap<Format, Vec<CheckRef>>,
    /// The (format, kinds) every `related` test looks for.
    relational_targets: Vec<(Format, KindSet)>,
}

impl PolicySet {
    /// The rule table renderers receive: one entry per policy, in `policies` order.
    pub fn rules(&self) -> Vec<crate::model::RuleInfo<'_>> {
        self.policies
            .iter()
            .enumerate()
            .map(|(i, p)| crate::model::RuleInfo {
                id: &p.id,
                name: &p.name,
                title: &p.title,
                help: &p.help,
                docs: &p.docs,
                area: p.area.as_str(),
                severity: self.severity[i],
                enabled: self.enabled[i],
            })
            .collect()
    }

    /// The built-in policies plus those in `extra_dirs`.
    pub fn load(extra_dirs: &[std::path::PathBuf]) -> Result<PolicySet, LoadError> {
        let mut policies = load::builtin()?;
        for d in extra_dirs {
            policies.extend(load::from_dir(d)?);
        }
        Self::new(policies)
    }

    pub fn new(mut policies: Vec<Policy>) -> Result<PolicySet, LoadError> {
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_id = BTreeMap::new();
        for (i, p) in policies.iter().enumerate() {
            if let Some(prev) = by_id.insert(p.id.clone(), i) {
                return Err(LoadError::Duplicate {
                    id: p.id.clone(),
                    first: policies[prev].origin.clone(),
                    second: p.origin.clone(),
                });
            }
        }
        let mut by_kind: HashMap<(Format, String), Vec<CheckRef>> = HashMap::new();
        let mut workload = Vec::new();
        let mut any: HashMap<Format, Vec<CheckRef>> = HashMap::new();
        for (pi, p) in policies.iter().enumerate() {
            for (ci, c) in p.checks.iter().enumerate() {
                match &c.on.kinds {
                    KindSet::Any => any.entry(c.on.format).or_default().push((pi, ci)),
                    KindSet::Workload => workload.push((pi, ci)),
                    KindSet::Kinds(kinds) => {
                        for k in kinds {
                            by_kind
                                .entry((c.on.format, index_key(c.on.format, &k.kind)))
                                .or_default()
                                .push((pi, ci));
                        }
                    }
                }
            }
        }
        let mut relational_targets = Vec::new();
        for p in &policies {
            // Only a check with a `related` test has targets: the others' conditions, most of
            // them never evaluated in a run, stay undecoded (`schema::Lazy`).
            for c in p.checks.iter().filter(|c| c.needs_index) {
                for cond in [&*c.require, &*c.forbid].into_iter().flatten() {
                    collect_targets(cond, &mut relational_targets);
                }
            }
        }
        let n = policies.len();
        let severity = policies.iter().map(|p| p.severity).collect();
        Ok(PolicySet {
            policies,
            enabled: vec![true; n],
            severity,
            by_id,
            by_kind,
            workload,
            any,
            relational_targets,
        })
    }

    pub fn apply_selection(&mut self, sel: &Selection) {
        for (i, p) in self.policies.iter().enumerate() {
            self.enabled[i] = sel.enabled(&p.id);
        }
    }

    /// Replaces the defaults of named settings (`--setting trusted-registries=...`). Returns
    /// the names no policy declares, so a typo is an error rather than a silent no-op.
    pub fn apply_settings(
        &mut self,
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), String> {
        for name in overrides.keys() {
            if !self.policies.iter().any(|p| p.settings.contains_key(name)) {
                return Err(format!("no policy has a setting named `{name}`"));
            }
        }
        // A `registry_in` names a setting of its own policy: the others are left as they are
        // (and their conditions undecoded).
        for p in self
            .policies
            .iter_mut()
            .filter(|p| p.settings.keys().any(|k| overrides.contains_key(k)))
        {
            for (name, values) in overrides {
                if let Some(v) = p.settings.get_mut(name) {
                    v.clone_from(values);
                }
            }
            let mut problem = None;
            for c in &mut p.checks {
                for cond in [&mut *c.when, &mut *c.require, &mut *c.forbid]
                    .into_iter()
                    .flatten()
                {
                    cond.for_each_op_mut(&mut |op| {
                        if let Op::RegistryIn(pats) = op
                            && let Some(values) =
                                pats.setting.as_ref().and_then(|s| overrides.get(s))
                        {
                            match Patterns::new(pats.setting.clone(), values.clone()) {
                                Ok(new) => *pats = new,
                                Err(e) => problem = Some(e),
                            }
                        }
                    });
                }
            }
            if let Some(e) = problem {
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.by_id.get(id).map(|&i| &self.policies[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn check(&self, r: CheckRef) -> &Check {
        &self.policies[r.0].checks[r.1]
    }

    /// Enabled checks whose `on` selects this resource, in (policy, check) order.
    pub fn applicable(&self, res: &Resource) -> Vec<CheckRef> {
        let mut out: Vec<CheckRef> = Vec::new();
        if let Some(v) = self
            .by_kind
            .get(&(res.format, index_key(res.format, res.kind())))
        {
            out.extend(v.iter().copied().filter(|&(p, c)| {
                let KindSet::Kinds(kinds) = &self.check((p, c)).on.kinds else {
                    return false;
                };
                kinds.iter().any(|k| kind_matches(k, res))
            }));
        }
        if res.pod_path.is_some() {
            out.extend(self.workload.iter().copied());
        }
        if let Some(v) = self.any.get(&res.format) {
            out.extend(v.iter().copied());
        }
        out.retain(|&(p, _)| self.enabled[p]);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when some enabled relational check could look at this resource, as subject (one of
    /// `applicable`, the checks that select it) or as the related object; only such resources
    /// are kept for the relation pass.
    pub fn is_relation_relevant(&self, res: &Resource, applicable: &[CheckRef]) -> bool {
        self.relational_targets
            .iter()
            .any(|(f, k)| *f == res.format && kinds_match(k, res))
            || applicable.iter().any(|&r| {
                let check = self.check(r);
                check.needs_index && super::eval::may_apply(check, res)
            })
    }
}

/// ARM types compare case-insensitively; Kubernetes kinds exactly.
fn index_key(format: Format, kind: &str) -> String {
    match format {
        Format::Arm => kind.to_ascii_lowercase(),
        _ => kind.to_string(),
    }
}

pub fn kind_matches(k: &KindName, res: &Resource) -> bool {
    let kind_ok = match res.format {
        Format::Arm => k.kind.eq_ignore_ascii_case(res.kind()),
        _ => k.kind == res.kind(),
    };
    kind_ok && k.group.as_deref().is_none_or(|g| g == &*res.group)
}

pub fn kinds_match(set: &KindSet, res: &Resource) -> bool {
    match set {
        KindSet::Any => true,
        KindSet::Workload => res.pod_path.is_some(),
        KindSet::Kinds(kinds) => kinds.iter().any(|k| kind_matches(k, res)),
    }
}

fn collect_targets(cond: &Cond, out: &mut Vec<(Format, KindSet)>) {
    match cond {
        Cond::All(c) | Cond::Any(c) => c.iter().for_each(|c| collect_targets(c, out)),
        Cond::Not(c) => collect_targets(c, out),
        Cond::Leaf(_) => {}
        Cond::Related(r) => out.push((r.format, r.kinds.clone())),
    }
}
