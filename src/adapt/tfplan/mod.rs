//! Terraform plan JSON (`terraform show -json plan`): the managed resources the plan leaves
//! in place, with values unknown until apply marked unknown and sensitive values hidden.
//!
//! Resources come from `planned_values` (every `child_modules` level), joined by address with
//! `resource_changes` for the actions, `after_unknown` and `after_sensitive`.

pub(crate) mod azapi;
pub mod config;
pub mod source;

use std::collections::HashMap;

use crate::model::{Entry, Format, Node, Resource, ResourceId, Span, TfOrigin, Value};

/// The resources of a plan and what was wrong with it.
#[derive(Debug, Default)]
pub struct Loaded {
    pub resources: Vec<Resource>,
    /// (span, message) of problems that make the plan unreadable (AKL001).
    pub problems: Vec<(Span, String)>,
    /// Spans of every sensitive value in the file (to blank them out of code frames).
    pub sensitive: Vec<Span>,
    /// `azapi_update_resource`s whose target is not in the plan: (address, its `resource_id`
    /// span), not linted.
    pub unmatched_updates: Vec<(String, Span)>,
    /// How the plan was read, for stderr (a plan without `configuration`).
    pub notes: Vec<String>,
    /// `azapi_update_resource` values, before they are merged onto their targets.
    updates: Vec<(String, Node, TfOrigin)>,
}

/// Reads a plan. `sources` finds the `.tf` block of a resource, when the sources are known.
pub fn load(file: usize, plan: &Node, sources: &source::SourceIndex) -> Loaded {
    let mut loaded = Loaded::default();
    match plan.get("format_version") {
        Some(v) => {
            let text = v.as_str().unwrap_or_default();
            // 0.x (Terraform 0.12-0.15) has the layout 1.x kept; a new major may not.
            if !matches!(text.split('.').next(), Some("0" | "1")) {
                loaded.problems.push((
                    v.span,
                    format!(
                        "unsupported Terraform plan format_version `{}`: akslint reads 0.x and 1.x",
                        v.value
                    ),
                ));
                return loaded;
            }
        }
        // Only a plan forced with `--input-format tfplan` gets here without it.
        None => {
            loaded.problems.push((
                plan.span,
                format!(
                    "not a Terraform plan: expected a JSON object with `format_version` \
                     (`terraform show -json` output), found {}",
                    match &plan.value {
                        Value::Map(_) => "an object without one",
                        other => other.kind_phrase(),
                    }
                ),
            ));
            return loaded;
        }
    }
    let changes: HashMap<&str, &Node> = plan
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Some((c.get_str("address")?, c)))
        .collect();
    let configs = config::Configs::new(plan.get("configuration"));
    if !configs.present {
        loaded.notes.push(
            "Terraform plan without `configuration` (not `terraform show -json` of a saved \
             plan?): every value unknown at plan is read as decided at deployment, also \
             attributes the configuration may leave to Azure's defaults"
                .into(),
        );
    }

    let mut planned: Vec<&Node> = Vec::new();
    if let Some(root) = plan
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        collect_module(root, &mut planned, 0);
    }
    let mut seen = std::collections::HashSet::new();
    for r in planned {
        let Some(address) = r.get_str("address") else {
            continue;
        };
        // One resource per address, however often a plan lists it.
        if !seen.insert(address) {
            continue;
        }
        let change = changes.get(address).and_then(|c| c.get("change"));
        let values = r.get("values");
        let sensitive = r
            .get("sensitive_values")
            .or_else(|| change?.get("after_sensitive"));
        if let Some(res) = resource(
            file,
            r,
            address,
            values,
            change,
            sensitive,
            &configs,
            sources,
            &mut loaded,
        ) {
            loaded.resources.push(res);
        }
    }
    // A plan without planned_values (or a change missing from it): lint the change's `after`.
    for (address, c) in &changes {
        if seen.contains(address) {
            continue;
        }
        let change = c.get("change");
        let after = change
            .and_then(|ch| ch.get("after"))
            .filter(|a| a.as_map().is_some());
        if after.is_none() {
            continue;
        }
        let sensitive = change.and_then(|ch| ch.get("after_sensitive"));
        if let Some(res) = resource(
            file,
            c,
            address,
            after,
            change,
            sensitive,
            &configs,
            sources,
            &mut loaded,
        ) {
            loaded.resources.push(res);
        }
    }
    for (address, update, origin) in std::mem::take(&mut loaded.updates) {
        if !azapi::apply_update(&mut loaded.resources, &address, &update, &origin) {
            let at = update.get("resource_id").map_or(update.span, |n| n.span);
            loaded.unmatched_updates.push((address, at));
        }
    }
    loaded.resources.sort_by_key(|r| r.root.span.start);
    loaded
}

/// Bounded by the JSON loader's depth limit.
fn collect_module<'n>(m: &'n Node, out: &mut Vec<&'n Node>, depth: usize) {
    out.extend(
        m.get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default(),
    );
    if depth < 64 {
        for c in m
            .get("child_modules")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            collect_module(c, out, depth + 1);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn resource(
    file: usize,
    r: &Node,
    address: &str,
    values: Option<&Node>,
    change: Option<&Node>,
    sensitive: Option<&Node>,
    configs: &config::Configs<'_>,
    sources: &source::SourceIndex,
    loaded: &mut Loaded,
) -> Option<Resource> {
    if r.get_str("mode") == Some("data") {
        return None;
    }
    let actions: Vec<&str> = change
        .and_then(|c| c.get("actions"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    // Only being deleted (or forgotten): nothing will exist to lint.
    if !actions.is_empty() && actions.iter().all(|a| matches!(*a, "delete" | "forget")) {
        return None;
    }
    let ty = r.get_str("type")?;
    let mut root = values
        .cloned()
        .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), r.span));
    root.as_map()?;
    let config_address = config::config_address(address);
    let expressions = configs.expressions(&config_address);
    let source = sources.find(&config_address);
    if let Some(u) = change.and_then(|c| c.get("after_unknown")) {
        let ctx = UnknownMarks {
            configs,
            owner: configs.resource(&config_address),
            module: config::module_prefix(&config_address),
            source: source.as_ref(),
        };
        let written = expressions.map_or(Written::Opaque, Written::Block);
        mark_unknown(&mut root, u, written, &ctx);
    }
    let mut hidden = Vec::new();
    if let Some(s) = sensitive {
        sensitive_spans(&root, s, &mut hidden);
    }
    loaded.sensitive.extend(hidden.iter().copied());
    let mut references = Vec::new();
    if let Some(e) = expressions {
        config::references(&root, e, &mut references);
    }
    let origin = TfOrigin {
        config_address: config_address.as_str().into(),
        references,
        sensitive: hidden,
        source,
        module: None,
    };
    if ty == "azapi_resource" {
        return azapi::resource(file, address, root, origin);
    }
    if ty == "azapi_update_resource" {
        // Merged onto its target after every resource is read.
        loaded.updates.push((address.to_string(), root, origin));
        return None;
    }
    Some(Resource {
        file,
        format: Format::Terraform,
        group: "".into(),
        id: ResourceId {
            kind: ty.into(),
            namespace: None,
            name: Some(address.into()),
        },
        root,
        pod_path: None,
        helm_source: None,
        arm: None,
        tf: Some(Box::new(origin)),
    })
}

/// What the configuration says about a block whose `after_unknown` marks are applied.
#[derive(Clone, Copy)]
enum Written<'n> {
    /// Nothing can be told (no configuration, a value written as an expression, a block
    /// Terraform leaves out of the configuration JSON: `dynamic` blocks, attributes-as-blocks).
    Opaque,
    /// The block's expressions: an attribute not among them is not written.
    Block(&'n Node),
    /// One expressions object per element of a list of blocks.
    Blocks(&'n [Node]),
}

/// The context of a resource's `after_unknown` marks: how its configuration is read.
struct UnknownMarks<'c, 'n> {
    configs: &'c config::Configs<'n>,
    /// The resource's configuration object (for `for_each` and `count`).
    owner: Option<&'n Node>,
    /// Its module prefix (`module.aks.`).
    module: String,
    /// The `.tf` block, when found: `dynamic` blocks are seen there only.
    source: Option<&'c crate::model::TfSource>,
}

impl UnknownMarks<'_, '_> {
    /// Whether an attribute marked unknown, absent from the planned values, stays unknown.
    /// Not written in the configuration (and not a `dynamic` block in the `.tf` source) means
    /// the provider computes it from Azure's default, which the policies know (`default:`):
    /// azurerm marks Optional+Computed attributes left out (`network_policy`, `os_sku`,
    /// `api_server_access_profile`) unknown in every plan.
    fn stays_unknown(&self, written: Written<'_>, key: &str) -> bool {
        let Written::Block(exprs) = written else {
            return true;
        };
        match exprs.get(key) {
            None => self
                .source
                .is_some_and(|s| source::has_dynamic_block(s, key)),
            Some(e) if config::is_attribute_expression(e) => {
                !self.configs.leaves_unset(e, self.owner, &self.module)
            }
            // A block written whole, computed whole.
            Some(_) => true,
        }
    }
}

/// Replaces values that `after_unknown` marks `true` with unknown, adding attributes and
/// block elements the values leave out — unless the configuration shows them unset.
fn mark_unknown(values: &mut Node, unknown: &Node, written: Written<'_>, ctx: &UnknownMarks) {
    match &unknown.value {
        Value::Bool(true) => values.value = Value::Unknown,
        Value::Map(entries) => {
            let Value::Map(have) = &mut values.value else {
                return;
            };
            for u in entries {
                let is_true = u.value.value == Value::Bool(true);
                match have.iter().rposition(|e| e.key == u.key) {
                    // A null the provider computes and the configuration leaves unset.
                    Some(i)
                        if is_true
                            && have[i].value.is_null()
                            && !ctx.stays_unknown(written, &u.key) => {}
                    Some(i) => {
                        let child = child_written(written, &u.key);
                        mark_unknown(&mut have[i].value, &u.value, child, ctx);
                    }
                    None if is_true && ctx.stays_unknown(written, &u.key) => have.push(Entry {
                        key: u.key.clone(),
                        key_span: u.key_span,
                        value: Node::new(Value::Unknown, u.value.span),
                    }),
                    None => {}
                }
            }
        }
        Value::Seq(items) => {
            let Value::Seq(have) = &mut values.value else {
                return;
            };
            // Blocks from `dynamic` are not in the configuration: the counts then differ.
            let per_item = match written {
                Written::Blocks(b) if b.len() == have.len() => Some(b),
                _ => None,
            };
            for (i, u) in items.iter().enumerate() {
                match have.get_mut(i) {
                    Some(v) => {
                        let child = per_item.map_or(Written::Opaque, |b| Written::Block(&b[i]));
                        mark_unknown(v, u, child, ctx);
                    }
                    None if u.value == Value::Bool(true) => {
                        have.push(Node::new(Value::Unknown, u.span));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
}

/// What the configuration says inside the attribute or block `key` of a block, when the
/// planned values have it.
fn child_written<'n>(written: Written<'n>, key: &str) -> Written<'n> {
    let Written::Block(exprs) = written else {
        return Written::Opaque;
    };
    match exprs.get(key) {
        Some(e) if config::is_attribute_expression(e) => Written::Opaque,
        Some(e) => match &e.value {
            Value::Seq(blocks) => Written::Blocks(blocks),
            Value::Map(_) => Written::Block(e),
            _ => Written::Opaque,
        },
        // In the values but not the configuration: a `dynamic` block (or an attribute-as-block).
        None => Written::Opaque,
    }
}

/// Spans of the scalar values that `sensitive` marks `true` (whole subtrees when a block is).
fn sensitive_spans(values: &Node, sensitive: &Node, out: &mut Vec<Span>) {
    match (&sensitive.value, &values.value) {
        (Value::Bool(true), _) => all_scalars(values, out),
        (Value::Map(marks), Value::Map(_)) => {
            for m in marks {
                if let Some(e) = values.entry(&m.key) {
                    sensitive_spans(&e.value, &m.value, out);
                }
            }
        }
        (Value::Seq(marks), Value::Seq(items)) => {
            for (m, v) in marks.iter().zip(items) {
                sensitive_spans(v, m, out);
            }
        }
        _ => {}
    }
}

fn all_scalars(n: &Node, out: &mut Vec<Span>) {
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| all_scalars(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| all_scalars(&e.value, out)),
        Value::Null | Value::Unknown => {}
        _ => out.push(n.span),
    }
}

/// The text with every sensitive value's characters replaced by `*` (same length, so every
/// other position stays right): what code frames may show.
pub fn redact(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    let mut by_line: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
    for s in spans.iter().filter(|s| s.src == 0) {
        if s.start.line == s.end.line {
            by_line
                .entry(s.start.line)
                .or_default()
                .push((s.start.col, s.end.col));
        } else {
            for line in s.start.line..=s.end.line {
                by_line.entry(line).or_default().push((1, u32::MAX));
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let Some(ranges) = by_line.get(&(i as u32 + 1)) else {
            out.push_str(line);
            continue;
        };
        let chars: Vec<char> = line.chars().collect();
        // Strings keep their quotes; numbers and booleans are blanked whole. As half-open
        // column ranges, sorted, so one pass over the line does (a `terraform show -json`
        // plan is a single line holding every sensitive value).
        let quoted = |a: u32| chars.get((a as usize).wrapping_sub(1)) == Some(&'"');
        let mut hidden: Vec<(u32, u32)> = ranges
            .iter()
            .map(|&(a, b)| {
                if quoted(a) {
                    (a + 1, b.saturating_sub(1))
                } else {
                    (a, b)
                }
            })
            .filter(|(a, b)| a < b)
            .collect();
        hidden.sort_unstable();
        let mut next = hidden.iter().peekable();
        let mut until = 0; // columns below this are hidden
        for (c, ch) in chars.iter().enumerate() {
            let col = c as u32 + 1;
            while let Some(&&(a, b)) = next.peek() {
                if a > col {
                    break;
                }
                until = until.max(b);
                next.next();
            }
            let hide = col < until && !matches!(ch, '\n' | '\r');
            out.push(if hide { '*' } else { *ch });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Pos;

    #[test]
    fn a_document_that_is_not_a_plan_is_a_problem_not_an_empty_plan() {
        use crate::source::{Limits, LineIndex, json};
        for (text, found) in [
            ("null\n", "found null"),
            ("[]", "found an array"),
            ("[{\"format_version\": \"1.2\"}]", "found an array"),
            ("{\"planned_values\": {}}", "found an object without one"),
        ] {
            let lines = LineIndex::new(text);
            let root = json::load(text, &lines, Limits::default())
                .unwrap()
                .unwrap();
            let sources = source::SourceIndex::default();
            let loaded = load(0, &root, &sources);
            assert!(loaded.resources.is_empty());
            let [(span, message)] = &loaded.problems[..] else {
                panic!("{text}: {:?}", loaded.problems)
            };
            assert_eq!(span.start, Pos::new(1, 1), "{text}");
            assert!(message.starts_with("not a Terraform plan"), "{message}");
            assert!(message.ends_with(found), "{text}: {message}");
        }
    }

    #[test]
    fn redaction_keeps_quotes_and_positions() {
        let text = "{\"a\": \"secret\", \"b\": 1}\n";
        // "secret" (with quotes) spans columns 7..15.
        let s = Span::new(Pos::new(1, 7), Pos::new(1, 15));
        assert_eq!(redact(text, &[s]), "{\"a\": \"******\", \"b\": 1}\n");
        let n = Span::new(Pos::new(1, 22), Pos::new(1, 23));
        assert_eq!(redact(text, &[n]), "{\"a\": \"secret\", \"b\": *}\n");
        assert_eq!(redact(text, &[n, s]), "{\"a\": \"******\", \"b\": *}\n");
        let whole = Span::new(Pos::new(1, 1), Pos::new(2, 1));
        assert_eq!(redact("ab\ncd\n", &[whole]), "**\n**\n");
    }

    #[test]
    fn redaction_of_a_one_line_plan_is_linear() {
        // 20,000 sensitive values on one line: quadratic work would take minutes.
        let n = 20_000;
        let mut text = String::from("[");
        let mut spans = Vec::new();
        for _ in 0..n {
            let col = text.len() as u32 + 1;
            text.push_str("\"secret\",");
            spans.push(Span::new(Pos::new(1, col), Pos::new(1, col + 8)));
        }
        text.push_str("0]\n");
        let start = std::time::Instant::now();
        let out = redact(&text, &spans);
        assert_eq!(out.matches("\"******\"").count(), n);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
