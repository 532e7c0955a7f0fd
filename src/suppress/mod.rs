//! Suppressions: inline comments, resource annotations/metadata and configuration entries
//! silence findings with a reason; a suppression that is wrong (no reason, expired, unknown
//! id, silencing nothing) is itself a finding (AKL002).

pub mod baseline;
mod stage;

pub use stage::{PerFileIgnores, Stage};

use std::sync::{Arc, LazyLock};

use globset::{Glob, GlobMatcher};
use regex::Regex;

use crate::model::RuleInfo;
use crate::model::{Finding, LinterCode, Suppression, SuppressionKind, fingerprint};
use crate::model::{Node, Pos, Resource, ResourceId, Span};

/// Where a suppression applies.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Findings starting on this line of the file.
    Line(u32),
    /// Every finding in the file.
    File,
    /// Findings about this resource of the file.
    Resource(ResourceId),
    /// Findings about resources whose name (Terraform address, ARM name) matches the glob,
    /// in any file.
    ResourceGlob(GlobMatcher),
}

/// One suppression, wherever it was written.
#[derive(Clone, Debug)]
pub struct Suppress {
    /// The file it is written in (an input, or the configuration file).
    pub path: Arc<str>,
    /// The file whose findings it silences (`None`: any file).
    pub target: Option<Arc<str>>,
    /// Where it is written, for AKL002.
    pub span: Span,
    pub scope: Scope,
    pub ids: Vec<String>,
    pub reason: Option<String>,
    /// `YYYY-MM-DD`: silences nothing after that day.
    pub until: Option<String>,
    pub kind: SuppressionKind,
    /// What wrote it, for messages: "comment", "annotation", "configuration entry".
    pub what: &'static str,
}

static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?:#|//)\s*akslint-ignore(-file)?\b(.*)$").expect("valid regex")
});

/// `ID[,ID...] reason: text [until: YYYY-MM-DD]` (the text after the keyword).
fn parse_directive(rest: &str) -> (Vec<String>, Option<String>, Option<String>) {
    let rest = rest.trim();
    let (ids_part, tail) = match rest.find("reason:") {
        Some(i) => (&rest[..i], Some(&rest[i + "reason:".len()..])),
        None => match rest.find("until:") {
            Some(i) => (&rest[..i], None),
            None => (rest, None),
        },
    };
    let ids = ids_part
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let until_of = |s: &str| {
        s.find("until:")
            .map(|i| s[i + "until:".len()..].trim().to_string())
    };
    let (reason, until) = match tail {
        Some(t) => {
            let until = until_of(t);
            let reason = match t.find("until:") {
                Some(i) => &t[..i],
                None => t,
            };
            let reason = reason.trim();
            ((!reason.is_empty()).then(|| reason.to_string()), until)
        }
        None => (None, until_of(rest)),
    };
    (ids, reason, until)
}

/// `# akslint-ignore ...` (YAML) and `// akslint-ignore ...` (ARM templates) comments. A
/// comment alone on its line silences the next line; at the end of a line, that line.
pub fn scan_comments(text: &str, path: &Arc<str>) -> Vec<Suppress> {
    if memchr::memmem::find(text.as_bytes(), b"akslint-ignore").is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(c) = COMMENT.captures(line) else {
            continue;
        };
        let whole = c.get(0).expect("whole match");
        let marker_at = line[whole.start()..]
            .find(['#', '/'])
            .map_or(whole.start(), |o| whole.start() + o);
        let line_no = i as u32 + 1;
        let col = line[..marker_at].chars().count() as u32 + 1;
        let span = Span::new(
            Pos::new(line_no, col),
            Pos::new(line_no, line.chars().count() as u32 + 1),
        );
        let file_level = c.get(1).is_some();
        let own_line = line[..marker_at].trim().is_empty();
        let (ids, reason, until) = parse_directive(c.get(2).map_or("", |m| m.as_str()));
        out.push(Suppress {
            path: path.clone(),
            target: Some(path.clone()),
            span,
            scope: if file_level {
                Scope::File
            } else if own_line {
                Scope::Line(line_no + 1)
            } else {
                Scope::Line(line_no)
            },
            ids,
            reason,
            until,
            kind: SuppressionKind::InSource,
            what: "comment",
        });
    }
    out
}

/// The `akslint.io/ignore` annotation of a Kubernetes object (covering its pod template), or
/// the `akslint.io/ignore` entry of an ARM resource's `metadata`.
pub fn of_resource(res: &Resource, path: &Arc<str>) -> Option<Suppress> {
    let holder: &Node = match res.format {
        crate::model::Format::Kubernetes => res.root.get("metadata")?.get("annotations")?,
        crate::model::Format::Arm => res.root.entry_ignore_case("metadata").map(|e| &e.value)?,
        crate::model::Format::Terraform => return None,
    };
    let entry = holder.entry("akslint.io/ignore")?;
    let ids = entry
        .value
        .as_str()?
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let reason = holder
        .get_str("akslint.io/ignore-reason")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let until = holder
        .get_str("akslint.io/ignore-until")
        .map(str::to_string);
    Some(Suppress {
        path: path.clone(),
        target: Some(path.clone()),
        span: Span::new(entry.key_span.start, entry.value.span.end),
        scope: Scope::Resource(res.id.clone()),
        ids,
        reason,
        until,
        kind: SuppressionKind::InSource,
        what: if res.format == crate::model::Format::Kubernetes {
            "annotation"
        } else {
            "metadata entry"
        },
    })
}

/// A configuration `ignore-resources` entry.
#[allow(clippy::too_many_arguments)]
pub fn of_config(
    config_path: &Arc<str>,
    span: Span,
    resource_glob: &str,
    ids: Vec<String>,
    reason: Option<String>,
    until: Option<String>,
) -> Result<Suppress, String> {
    let glob = Glob::new(resource_glob)
        .map_err(|e| format!("invalid resource glob `{resource_glob}`: {e}"))?
        .compile_matcher();
    Ok(Suppress {
        path: config_path.clone(),
        target: None,
        span,
        scope: Scope::ResourceGlob(glob),
        ids,
        reason,
        until,
        kind: SuppressionKind::External,
        what: "configuration entry",
    })
}

impl Suppress {
    fn covers(&self, f: &Finding) -> bool {
        if !self.ids.iter().any(|i| i == &*f.id) {
            return false;
        }
        let at = |path: &Arc<str>, line: u32| match &f.also_at {
            Some((p, s)) => {
                (p == path && s.start.line == line)
                    || (&f.path == path && f.span.start.line == line)
            }
            None => &f.path == path && f.span.start.line == line,
        };
        match &self.scope {
            Scope::Line(l) => self.target.as_ref().is_some_and(|t| at(t, *l)),
            Scope::File => self
                .target
                .as_ref()
                .is_some_and(|t| t == &f.path || f.also_at.as_ref().is_some_and(|(p, _)| p == t)),
            Scope::Resource(id) => {
                self.target.as_ref() == f.resource_file.as_ref() && f.resource.as_ref() == Some(id)
            }
            Scope::ResourceGlob(g) => f
                .resource
                .as_ref()
                .and_then(|r| r.name.as_deref())
                .is_some_and(|n| g.is_match(n)),
        }
    }

    fn expired(&self, today: &str) -> bool {
        self.until.as_deref().is_some_and(|u| u < today)
    }
}

/// Marks the findings each suppression covers (moving them to the returned list) and adds
/// AKL002 findings for suppressions that are wrong. `today` is `YYYY-MM-DD`.
pub(crate) fn apply(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppress],
    rules: &[RuleInfo<'_>],
    today: &str,
) -> Vec<Finding> {
    // The same suppression can be collected more than once (an ARM resource evaluated with
    // several parameters files): one use counts for every copy.
    let mut used: std::collections::HashSet<(&str, Span)> = std::collections::HashSet::new();
    let mut suppressed = Vec::new();
    let mut kept = Vec::with_capacity(findings.len());
    for mut f in std::mem::take(findings) {
        // The linter's own findings are silenced only with --ignore.
        // Every suppression that covers the finding is used (a line comment under a
        // file-level one is not "unused"); the first one gives the justification.
        let hits: Vec<&Suppress> = if f.id.starts_with("AKL") {
            Vec::new()
        } else {
            suppressions
                .iter()
                .filter(|s| !s.expired(today) && s.covers(&f))
                .collect()
        };
        for s in &hits {
            used.insert((&s.path, s.span));
        }
        match hits.first() {
            Some(s) => {
                f.suppression = Some(Suppression {
                    kind: s.kind,
                    justification: s.reason.clone().unwrap_or_default(),
                });
                suppressed.push(f);
            }
            None => kept.push(f),
        }
    }
    let mut reported = std::collections::HashSet::new();
    for s in suppressions {
        if !reported.insert((&*s.path, s.span)) {
            continue;
        }
        for problem in problems(s, used.contains(&(&*s.path, s.span)), rules, today) {
            push_akl002(rules, s, problem, &mut kept);
        }
    }
    *findings = kept;
    suppressed
}

fn problems(s: &Suppress, used: bool, rules: &[RuleInfo<'_>], today: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.ids.is_empty() {
        out.push(format!("this {} names no policy id", s.what));
        return out;
    }
    let unknown: Vec<&str> = s
        .ids
        .iter()
        .filter(|i| index_of(rules, i).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        out.push(format!(
            "this {} names unknown policy id {}",
            s.what,
            unknown.join(", ")
        ));
    }
    if s.reason.is_none() {
        out.push(format!(
            "this {} has no reason: write why after `reason:`",
            s.what
        ));
    }
    if let Some(u) = &s.until {
        if !is_date(u) {
            out.push(format!(
                "this {}'s `until` date `{u}` is not YYYY-MM-DD",
                s.what
            ));
        } else if s.expired(today) {
            out.push(format!(
                "this {} expired on {u}: fix the finding or extend the date",
                s.what
            ));
        }
    }
    // Silencing nothing matters only when every named policy ran.
    let all_enabled = s
        .ids
        .iter()
        .all(|i| index_of(rules, i).is_some_and(|r| rules[r].enabled));
    if !used && unknown.is_empty() && all_enabled && !s.expired(today) {
        out.push(format!(
            "this {} suppresses nothing: no {} finding where it applies",
            s.what,
            s.ids.join("/")
        ));
    }
    out
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn push_akl002(rules: &[RuleInfo<'_>], s: &Suppress, message: String, out: &mut Vec<Finding>) {
    let Some(rule) = index_of(rules, LinterCode::SuppressionProblem.id()) else {
        return;
    };
    if !rules[rule].enabled {
        return;
    }
    let start = format!("{}:{}", s.span.start.line, s.span.start.col);
    out.push(Finding {
        id: LinterCode::SuppressionProblem.id().into(),
        rule,
        severity: rules[rule].severity,
        fingerprint: fingerprint(&[
            LinterCode::SuppressionProblem.id(),
            &s.path,
            &s.ids.join(","),
            &message,
        ]),
        dedupe_key: Some(format!("AKL002#{}#{start}#{message}", s.path)),
        message,
        path: s.path.clone(),
        span: s.span,
        resource: None,
        node_path: String::new(),
        related: Vec::new(),
        resource_file: None,
        suppression: None,
        also_at: None,
    });
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// The position of the rule `id` in the run's rule table.
fn index_of(rules: &[RuleInfo<'_>], id: &str) -> Option<usize> {
    rules.iter().position(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        assert_eq!(
            parse_directive(" POD001,POD002 reason: legacy agent until: 2027-01-31"),
            (
                vec!["POD001".into(), "POD002".into()],
                Some("legacy agent".into()),
                Some("2027-01-31".into())
            )
        );
        assert_eq!(
            parse_directive(" POD001"),
            (vec!["POD001".into()], None, None)
        );
        assert_eq!(
            parse_directive(" POD001 until: 2000-01-01"),
            (vec!["POD001".into()], None, Some("2000-01-01".into()))
        );
    }

    #[test]
    fn comments_apply_to_their_line_or_the_next() {
        let text = "a: 1 # akslint-ignore X reason: r\n  # akslint-ignore Y reason: r\nb: 2\nc: \"#not\"\n# akslint-ignore-file Z reason: r\n";
        let s = scan_comments(text, &"f.yaml".into());
        assert_eq!(s.len(), 3);
        assert!(matches!(s[0].scope, Scope::Line(1)));
        assert_eq!(s[0].span.start.col, 6);
        assert!(matches!(s[1].scope, Scope::Line(3)));
        assert!(matches!(s[2].scope, Scope::File));
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert!(is_date(&t), "{t}");
        assert!(t.as_str() > "2024-01-01");
    }
}
