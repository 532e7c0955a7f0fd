//! `.akslint.yaml`: per-repository configuration, found from the working directory upward (or
//! named with `--config`). Command-line flags override it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde_json::json;

use crate::model::Severity;
use crate::model::{Node, Span, Value};
use crate::source::scalar::Schema;
use crate::source::{Limits, LineIndex, strip_bom, yaml};

pub const FILE_NAME: &str = ".akslint.yaml";

/// A configuration file that cannot be used, pointing at the offending line.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(akslint::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("here")]
    pub at: SourceSpan,
    #[help]
    pub help: Option<String>,
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigLoadError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(#[from] Box<ConfigError>),
    #[error("cannot read configuration {path}: {source}")]
    #[diagnostic(code(akslint::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A path in the file leads out of its repository: refused before anything is read there,
    /// so an outside file never reaches a log.
    #[error(
        "{config}: `{key}` path `{path}` resolves outside the repository {root}; paths in the configuration must stay inside it (name others on the command line)"
    )]
    #[diagnostic(code(akslint::config))]
    Outside {
        config: String,
        key: &'static str,
        path: String,
        root: String,
    },
}

/// The configuration keys (documented in the README; `akslint config schema`).
#[derive(Debug, Default)]
pub struct Config {
    /// The file, as shown in findings, and its text.
    pub path: Option<Arc<str>>,
    /// Its directory: `exclude` and `per-file-ignores` globs are relative to it.
    pub root: Option<PathBuf>,
    pub text: Option<Arc<str>>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub severity: BTreeMap<String, Severity>,
    pub fail_on: Option<Severity>,
    pub exclude: Vec<String>,
    /// Glob (matched against paths as akslint shows them) → ids or prefixes to ignore there.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Extra policy directories, relative to the configuration file.
    pub policies: Vec<PathBuf>,
    pub settings: BTreeMap<String, Vec<String>>,
    /// ARM parameters files bound to every template (relative to the configuration file).
    pub arm_parameters: Vec<PathBuf>,
    pub tf_root: Option<PathBuf>,
    /// `tf-var-files` (relative to the configuration file) and `tf-vars`: values of the root
    /// variables of Terraform source modules.
    pub tf_var_files: Vec<PathBuf>,
    pub tf_vars: Vec<(String, String)>,
    /// `ignore-resources` entries.
    pub ignore_resources: Vec<IgnoreResource>,
}

/// One `ignore-resources` entry, as written (its glob already checked).
#[derive(Clone, Debug)]
pub struct IgnoreResource {
    /// The configuration file, as shown.
    pub origin: Arc<str>,
    /// The entry's first line.
    pub span: Span,
    /// A glob of resource names or Terraform addresses.
    pub resource: String,
    pub ids: Vec<String>,
    pub reason: Option<String>,
    pub until: Option<String>,
}

const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "fail-on",
    "exclude",
    "per-file-ignores",
    "policies",
    "settings",
    "arm",
    "tf-root",
    "tf-var-files",
    "tf-vars",
    "ignore-resources",
];

/// The nearest `.akslint.yaml` from `start` upward.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Reads a configuration file; relative paths in it are resolved against its directory.
pub fn load(path: &Path) -> Result<Config, ConfigLoadError> {
    let text = crate::confine::read_text(path).map_err(|e| ConfigLoadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let shown = crate::model::paths::relative(path, Path::new("."));
    let base = crate::model::paths::absolute(path.parent().unwrap_or(Path::new(".")));
    let mut config = parse(&text, &shown, &base)?;
    confine_paths(&config, &shown, &base)?;
    config.root = Some(base);
    Ok(config)
}

/// The configuration is repository content: the policy directories, parameters files and
/// `tf-root` it names must be inside its repository (the git root above it, else its own
/// directory), on canonical paths. A path that does not exist is left to the reader's error.
fn confine_paths(config: &Config, shown: &str, base: &Path) -> Result<(), ConfigLoadError> {
    let root = crate::confine::ScanRoot::for_named(base, Some(base));
    let named = config
        .policies
        .iter()
        .map(|p| ("policies", p))
        .chain(config.arm_parameters.iter().map(|p| ("arm.parameters", p)))
        .chain(config.tf_root.iter().map(|p| ("tf-root", p)))
        .chain(config.tf_var_files.iter().map(|p| ("tf-var-files", p)));
    for (key, p) in named {
        if let Err(crate::confine::ReadError::Outside { root }) = root.resolve(p) {
            return Err(ConfigLoadError::Outside {
                config: shown.to_string(),
                key,
                path: crate::model::paths::relative(p, base),
                root,
            });
        }
    }
    Ok(())
}

struct Reader<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Reader<'_> {
    fn error(
        &self,
        span: Span,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Box<ConfigError> {
        let lines = LineIndex::new(self.text);
        let start = lines.offset(self.text, span.start);
        let end = lines.offset(self.text, span.end).max(start);
        Box::new(ConfigError {
            message: format!("{}: {}", self.origin, message.into()),
            src: NamedSource::new(self.origin, self.text.to_string()),
            at: (start, end - start).into(),
            help,
        })
    }

    fn strings(&self, n: &Node, what: &str) -> Result<Vec<String>, Box<ConfigError>> {
        match &n.value {
            Value::Str(s) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()),
            Value::Seq(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| self.error(i.span, format!("`{what}` takes strings"), None))
                })
                .collect(),
            _ => Err(self.error(n.span, format!("`{what}` takes a list of strings"), None)),
        }
    }

    fn string(&self, n: &Node, what: &str) -> Result<String, Box<ConfigError>> {
        n.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.error(n.span, format!("`{what}` takes a string"), None))
    }

    fn severity(&self, n: &Node, what: &str) -> Result<Severity, Box<ConfigError>> {
        let s = self.string(n, what)?;
        s.parse::<Severity>().ok().ok_or_else(|| {
            self.error(
                n.span,
                format!("`{s}` is not a severity"),
                Some("use critical, high, medium or low".into()),
            )
        })
    }

    fn map<'n>(
        &self,
        n: &'n Node,
        what: &str,
    ) -> Result<&'n [crate::model::Entry], Box<ConfigError>> {
        n.as_map()
            .ok_or_else(|| self.error(n.span, format!("`{what}` takes a mapping"), None))
    }
}

/// Parses configuration text. `origin` is how the file is shown; `base` resolves its paths.
pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Config, Box<ConfigError>> {
    let text = strip_bom(text);
    let r = Reader { origin, text };
    let stream = yaml::load(text, Schema::Core, Limits::default());
    if let Some(e) = stream.error {
        let p = e.pos();
        return Err(r.error(Span::new(p, p), format!("invalid YAML: {e}"), None));
    }
    if let Some(d) = stream.duplicates.first() {
        return Err(r.error(d.second, format!("duplicate key `{}`", d.key), None));
    }
    let mut config = Config {
        path: Some(origin.into()),
        text: Some(text.into()),
        ..Default::default()
    };
    let Some(root) = stream.docs.into_iter().find(|d| !d.is_null()) else {
        return Ok(config);
    };
    let path_of = |s: String| base.join(s);
    for e in r.map(&root, "the configuration")? {
        let v = &e.value;
        match &*e.key {
            "select" => config.select = Some(r.strings(v, "select")?),
            "ignore" => config.ignore = Some(r.strings(v, "ignore")?),
            "severity" => {
                for s in r.map(v, "severity")? {
                    config
                        .severity
                        .insert(s.key.to_string(), r.severity(&s.value, "severity")?);
                }
            }
            "fail-on" => config.fail_on = Some(r.severity(v, "fail-on")?),
            "exclude" => config.exclude = r.strings(v, "exclude")?,
            "per-file-ignores" => {
                for s in r.map(v, "per-file-ignores")? {
                    // A bad glob fails when the configuration loads, at the glob, not after
                    // the run.
                    if let Err(e) = globset::Glob::new(&s.key) {
                        return Err(r.error(
                            s.key_span,
                            format!("per-file-ignores: invalid glob `{}`: {e}", s.key),
                            None,
                        ));
                    }
                    config
                        .per_file_ignores
                        .push((s.key.to_string(), r.strings(&s.value, "per-file-ignores")?));
                }
            }
            "policies" => {
                config.policies = r.strings(v, "policies")?.into_iter().map(path_of).collect();
            }
            "settings" => {
                for s in r.map(v, "settings")? {
                    config
                        .settings
                        .insert(s.key.to_string(), r.strings(&s.value, "settings")?);
                }
            }
            "arm" => {
                for a in r.map(v, "arm")? {
                    match &*a.key {
                        "parameters" => {
                            config.arm_parameters = r
                                .strings(&a.value, "arm.parameters")?
                                .into_iter()
                                .map(path_of)
                                .collect();
                        }
                        other => {
                            return Err(r.error(
                                a.key_span,
                                format!("unknown key `arm.{other}`"),
                                Some("`arm` takes `parameters`".into()),
                            ));
                        }
                    }
                }
            }
            "tf-root" => config.tf_root = Some(path_of(r.string(v, "tf-root")?)),
            "tf-var-files" => {
                config.tf_var_files = r
                    .strings(v, "tf-var-files")?
                    .into_iter()
                    .map(path_of)
                    .collect();
            }
            "tf-vars" => {
                for e in r.map(v, "tf-vars")? {
                    let value = match &e.value.value {
                        Value::Seq(_) | Value::Map(_) | Value::Null | Value::Unknown => {
                            return Err(r.error(
                                e.value.span,
                                format!("`tf-vars.{}` must be a scalar", e.key),
                                Some("write lists and objects as HCL in a string: `'[\"10.0.0.0/8\"]'`".into()),
                            ));
                        }
                        other => other.to_string(),
                    };
                    config.tf_vars.push((e.key.to_string(), value));
                }
            }
            "ignore-resources" => {
                let Some(items) = v.as_seq() else {
                    return Err(r.error(v.span, "`ignore-resources` takes a list", None));
                };
                for item in items {
                    config
                        .ignore_resources
                        .push(ignore_entry(&r, item, origin)?);
                }
            }
            other => {
                return Err(r.error(
                    e.key_span,
                    format!("unknown key `{other}`"),
                    Some(format!("known keys: {}", KEYS.join(", "))),
                ));
            }
        }
    }
    Ok(config)
}

/// `{resource: GLOB, ids: [...], reason: "...", until: YYYY-MM-DD}`.
fn ignore_entry(
    r: &Reader<'_>,
    item: &Node,
    origin: &str,
) -> Result<IgnoreResource, Box<ConfigError>> {
    let entries = r.map(item, "ignore-resources entry")?;
    let mut resource = None;
    let mut ids = Vec::new();
    let mut reason = None;
    let mut until = None;
    for e in entries {
        match &*e.key {
            "resource" => resource = Some(r.string(&e.value, "resource")?),
            "ids" => ids = r.strings(&e.value, "ids")?,
            "reason" => {
                reason = Some(r.string(&e.value, "reason")?).filter(|s| !s.trim().is_empty())
            }
            "until" => {
                until = Some(match &e.value.value {
                    Value::Str(s) => s.to_string(),
                    other => other.to_string(),
                })
            }
            other => {
                return Err(r.error(
                    e.key_span,
                    format!("unknown key `{other}` in an ignore-resources entry"),
                    Some("entries take resource, ids, reason, until".into()),
                ));
            }
        }
    }
    let Some(resource) = resource else {
        return Err(r.error(
            item.span,
            "an ignore-resources entry needs `resource` (a glob of resource names or Terraform addresses)",
            None,
        ));
    };
    let span = Span::new(item.head_span().start, item.head_span().end);
    if let Err(e) = globset::Glob::new(&resource) {
        return Err(r.error(
            item.span,
            format!("invalid resource glob `{resource}`: {e}"),
            None,
        ));
    }
    Ok(IgnoreResource {
        origin: origin.into(),
        span,
        resource,
        ids,
        reason,
        until,
    })
}

/// The JSON Schema of `.akslint.yaml` (`akslint config schema`).
pub fn json_schema() -> serde_json::Value {
    let ids =
        json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]});
    let severity = json!({"enum": ["critical", "high", "medium", "low"]});
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://akslint.dev/schemas/config.json",
        "title": "akslint configuration (.akslint.yaml)",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "select": {"description": "Only these policy ids or prefixes (like --select).", "oneOf": ids["oneOf"]},
            "ignore": {"description": "Skip these policy ids or prefixes (like --ignore).", "oneOf": ids["oneOf"]},
            "severity": {"description": "Severity overrides by policy id.", "type": "object", "additionalProperties": severity},
            "fail-on": {"description": "Lowest severity that makes the exit code 1.", "enum": ["critical", "high", "medium", "low"]},
            "exclude": {"description": "Globs of paths to leave out.", "type": "array", "items": {"type": "string"}},
            "per-file-ignores": {"description": "Glob of paths → policy ids or prefixes not reported there.", "type": "object", "additionalProperties": ids},
            "policies": {"description": "Extra policy directories, relative to this file.", "type": "array", "items": {"type": "string"}},
            "settings": {"description": "Policy settings, e.g. trusted-registries.", "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "arm": {"type": "object", "additionalProperties": false, "properties": {
                "parameters": {"description": "ARM parameters files bound to every template, relative to this file.", "type": "array", "items": {"type": "string"}}
            }},
            "tf-root": {"description": "Root module directory of the .tf sources of Terraform plans.", "type": "string"},
            "tf-var-files": {"description": "Variables files (.tfvars) for Terraform source modules, relative to this file; later ones win.", "type": "array", "items": {"type": "string"}},
            "tf-vars": {"description": "Values of root variables of Terraform source modules (as --tf-var NAME=VALUE).", "type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            "ignore-resources": {"description": "Suppressions by resource name or Terraform address glob.", "type": "array", "items": {
                "type": "object", "additionalProperties": false, "required": ["resource", "ids"],
                "properties": {
                    "resource": {"type": "string"},
                    "ids": ids,
                    "reason": {"type": "string"},
                    "until": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
                }
            }}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let c = parse(
            "select: [NET, POD001]\nignore: POD012\nseverity:\n  POD010: high\nfail-on: medium\nexclude: ['vendor/**']\nper-file-ignores:\n  'charts/**': [POD011]\npolicies: [pol]\nsettings:\n  trusted-registries: ['*.azurecr.io']\narm:\n  parameters: [p.json]\ntf-root: infra\nignore-resources:\n  - resource: 'module.legacy.*'\n    ids: [AUTH001]\n    reason: migrating\n    until: 2030-01-01\n",
            ".akslint.yaml",
            Path::new("/repo"),
        )
        .unwrap();
        assert_eq!(
            c.select.as_deref(),
            Some(&["NET".to_string(), "POD001".into()][..])
        );
        assert_eq!(c.ignore.as_deref(), Some(&["POD012".to_string()][..]));
        assert_eq!(c.severity.get("POD010"), Some(&Severity::High));
        assert_eq!(c.fail_on, Some(Severity::Medium));
        assert_eq!(c.per_file_ignores[0].0, "charts/**");
        assert_eq!(c.policies, [PathBuf::from("/repo/pol")]);
        assert_eq!(c.arm_parameters, [PathBuf::from("/repo/p.json")]);
        assert_eq!(c.tf_root, Some(PathBuf::from("/repo/infra")));
        assert_eq!(c.ignore_resources.len(), 1);
        assert_eq!(c.ignore_resources[0].until.as_deref(), Some("2030-01-01"));
    }

    #[test]
    fn unknown_keys_and_bad_values_point_at_their_line() {
        let e = parse(
            "select: [NET]\nselcet: [POD]\n",
            ".akslint.yaml",
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.message.contains("unknown key `selcet`"), "{}", e.message);
        assert_eq!(e.at.offset(), 14);
        let e = parse("fail-on: severe\n", ".akslint.yaml", Path::new(".")).unwrap_err();
        assert!(e.message.contains("not a severity"));
        let e = parse("ignore-resources:\n  - ids: [X]\n", "c", Path::new(".")).unwrap_err();
        assert!(e.message.contains("needs `resource`"));
    }
}
