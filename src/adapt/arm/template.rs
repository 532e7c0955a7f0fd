//! Walking a deployment template: resources (array or languageVersion 2.0 object), child
//! resources, `existing`, `condition`, `copy`, and nested deployments in inner or outer scope.

use super::ArmRun;
use super::eval::{
    AZURE_MAX_COPY, AZURE_MAX_DECLARATIONS, AZURE_MAX_RESOURCES, Budget, Ctx, TemplateScope,
    count_of, unknown,
};
use super::expr::{Parsed, parse_template_string};
use crate::model::{ArmOrigin, Entry, Format, Node, Resource, ResourceId, Value};

/// Keys of a resource declaration that steer deployment rather than describe the resource.
const CONSUMED: &[&str] = &["condition", "copy", "dependsOn", "resources", "existing"];

/// Nested deployments deeper than this are not followed.
const MAX_NESTING: usize = 16;

pub struct Walker<'r> {
    pub run: &'r ArmRun,
    pub budget: &'r Budget,
    /// Emit the `template` pseudo-resources (once per file, not per parameters file).
    pub emit_templates: bool,
    pub out: Vec<Resource>,
    /// Declarations whose `condition` is false with these parameters: not deployed.
    pub skipped: Vec<Skipped>,
    /// Resources of the top-level deployment so far (Azure deploys at most 800 per deployment).
    pub deployed: usize,
}

/// What a resource record costs besides its tree (ids, origin, sources, and the policies
/// evaluated on it): budget units. About 3,900 resources per file at most.
const RESOURCE_WEIGHT: u64 = 256;

/// A resource the template does not deploy with the parameters it was evaluated with.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Type and name (`Microsoft.Network/privateEndpoints pe-acr`).
    pub resource: String,
    /// The declaration's `condition` value.
    pub at: crate::model::Span,
    /// The parameters file of the evaluation (none: the defaults).
    pub parameters: Option<std::sync::Arc<str>>,
}

struct Parent {
    ty: String,
    name: String,
}

impl Walker<'_> {
    pub fn template(&mut self, tpl: &Node, scope: &TemplateScope<'_>, label: &str, depth: usize) {
        for section in ["parameters", "variables"] {
            if let Some(e) = tpl.entry_ignore_case(section)
                && let Some(n) = e.value.as_map().map(<[_]>::len)
                && n > AZURE_MAX_DECLARATIONS
            {
                self.budget.over_limit(
                    e.key_span,
                    format!(
                        "{n} {section} exceed Azure's limit of {AZURE_MAX_DECLARATIONS} per template"
                    ),
                );
            }
        }
        if self.emit_templates {
            self.template_resource(tpl, label, depth == 0);
        }
        self.resources(tpl, &scope.ctx(), depth);
    }

    fn resources(&mut self, tpl: &Node, ctx: &Ctx<'_, '_>, depth: usize) {
        let Some(resources) = tpl.entry_ignore_case("resources") else {
            return;
        };
        match &resources.value.value {
            Value::Seq(items) => {
                for decl in items {
                    self.declaration(decl, None, ctx, None, depth);
                }
            }
            Value::Map(entries) => {
                for e in entries {
                    self.declaration(&e.value, Some(&e.key), ctx, None, depth);
                }
            }
            _ => {}
        }
    }

    fn template_resource(&mut self, tpl: &Node, label: &str, top: bool) {
        let keep = ["$schema", "parameters", "variables", "outputs"];
        let entries: Vec<Entry> = tpl
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|e| keep.iter().any(|k| e.key.eq_ignore_ascii_case(k)))
            .cloned()
            .collect();
        let root = Node::new(Value::Map(entries), tpl.span);
        if !self.budget.charge(RESOURCE_WEIGHT) || !self.budget.charge_copy(&root) {
            return;
        }
        let decl = tpl
            .entry("$schema")
            .map_or(tpl.head_span(), |e| e.value.span);
        self.out.push(Resource {
            file: self.run.file,
            format: Format::Arm,
            group: "".into(),
            id: ResourceId {
                kind: "template".into(),
                namespace: None,
                name: Some(label.into()),
            },
            root,
            pod_path: None,
            helm_source: None,
            arm: Some(Box::new(ArmOrigin {
                declared: decl,
                sources: Vec::new(),
                parameters: None,
                refs: Vec::new(),
                bicep: top.then(|| self.run.bicep.clone()).flatten(),
                symbol: None,
                bicep_source: None,
            })),
            tf: None,
        });
    }

    fn declaration(
        &mut self,
        decl: &Node,
        symbol: Option<&str>,
        ctx: &Ctx<'_, '_>,
        parent: Option<&Parent>,
        depth: usize,
    ) {
        // Past the budget nothing more is evaluated: stop walking, do not iterate loops.
        if self.budget.exceeded.get()
            || decl.as_map().is_none()
            || decl
                .entry_ignore_case("existing")
                .is_some_and(|e| e.value.value == Value::Bool(true))
        {
            return;
        }
        match decl.entry_ignore_case("copy").map(|e| &e.value) {
            Some(copy) if copy.as_map().is_some() => {
                let name = copy.get_str("name").unwrap_or_default().to_string();
                let count = copy
                    .entry_ignore_case("count")
                    .map_or_else(|| unknown(copy.span), |c| ctx.eval_node(&c.value));
                if let Some(n) = count.value.as_f64()
                    && n > AZURE_MAX_COPY as f64
                {
                    self.budget.over_limit(
                        count.span,
                        format!(
                            "a copy loop of {n} exceeds Azure's limit of {AZURE_MAX_COPY}: not evaluated"
                        ),
                    );
                    return;
                }
                match count_of(&count) {
                    Some(n) => {
                        for i in 0..n {
                            let index = Node::new(Value::Int(i as i64), count.span);
                            self.instance(
                                decl,
                                symbol,
                                &ctx.with_copy(&name, index),
                                parent,
                                depth,
                            );
                        }
                    }
                    // An unknown count: lint one instance whose index is unknown.
                    None => self.instance(
                        decl,
                        symbol,
                        &ctx.with_copy(&name, unknown(count.span)),
                        parent,
                        depth,
                    ),
                }
            }
            _ => self.instance(decl, symbol, ctx, parent, depth),
        }
    }

    fn instance(
        &mut self,
        decl: &Node,
        symbol: Option<&str>,
        ctx: &Ctx<'_, '_>,
        parent: Option<&Parent>,
        depth: usize,
    ) {
        if let Some(c) = decl.entry_ignore_case("condition") {
            // A condition that is unknown may deploy: lint the resource.
            if ctx.eval_node(&c.value).value == Value::Bool(false) {
                let ty = decl
                    .entry_ignore_case("type")
                    .map(|e| ctx.eval_node(&e.value))
                    .and_then(|n| n.as_str().map(str::to_string))
                    .unwrap_or_default();
                let name_decl = decl.entry_ignore_case("name");
                let name_node = name_decl.map(|e| ctx.eval_node(&e.value));
                let name = match (&name_node, symbol) {
                    (Some(n), _) if n.as_str().is_some() => n.as_str().unwrap_or_default().into(),
                    (_, Some(sym)) => sym.to_string(),
                    _ => name_text(name_node.as_ref(), name_decl.map(|e| &e.value)),
                };
                self.skipped.push(Skipped {
                    resource: format!("{ty} {name}"),
                    at: c.value.span,
                    parameters: self.run.parameters.clone(),
                });
                return;
            }
        }
        let ty_node = decl
            .entry_ignore_case("type")
            .map(|e| ctx.eval_node(&e.value));
        let Some(short_type) = ty_node.as_ref().and_then(Node::as_str).map(str::to_string) else {
            return;
        };
        let ty = match parent {
            Some(p) if !short_type.contains('/') => format!("{}/{short_type}", p.ty),
            _ => short_type,
        };
        let name_decl = decl.entry_ignore_case("name");
        let name_node = name_decl.map(|e| ctx.eval_node(&e.value));
        let mut name = name_text(name_node.as_ref(), name_decl.map(|e| &e.value));
        if let Some(p) = parent
            && name.matches('/').count() + 1 < ty.matches('/').count()
        {
            name = format!("{}/{name}", p.name);
        }

        if ty.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            self.nested(decl, ctx, &name, symbol, depth);
        } else {
            let root = evaluate_body(decl, ctx, name_decl);
            let display = match name_node.as_ref().and_then(Node::as_str) {
                Some(_) => name.clone(),
                None => symbol.map_or_else(|| name.clone(), str::to_string),
            };
            let key = format!("{}|{}", ty.to_ascii_lowercase(), name.to_ascii_lowercase());
            // Per deployment: a nested deployment is a deployment of its own.
            self.deployed += usize::from(depth == 0);
            if depth == 0 && self.deployed > AZURE_MAX_RESOURCES {
                if self.deployed == AZURE_MAX_RESOURCES + 1 {
                    self.budget.over_limit(
                        decl.span,
                        format!(
                            "more than {AZURE_MAX_RESOURCES} resources, Azure's limit per deployment: the rest are not evaluated"
                        ),
                    );
                }
                return;
            }
            // The resource itself is memory: charged like any value the template builds.
            if !self.budget.charge(RESOURCE_WEIGHT) || !self.budget.charge_copy(&root) {
                return;
            }
            self.out.push(Resource {
                file: self.run.file,
                format: Format::Arm,
                group: "".into(),
                id: ResourceId {
                    kind: ty.as_str().into(),
                    namespace: None,
                    name: Some(display.into()),
                },
                root,
                pod_path: None,
                helm_source: None,
                arm: Some(Box::new(ArmOrigin {
                    declared: decl
                        .entry_ignore_case("type")
                        .map_or(decl.span, |e| e.value.span),
                    sources: self.run.sources.clone(),
                    parameters: self.run.parameters.clone(),
                    refs: vec![key.into()],
                    bicep: (depth == 0).then(|| self.run.bicep.clone()).flatten(),
                    symbol: symbol.map(Into::into),
                    bicep_source: None,
                })),
                tf: None,
            });
        }

        if let Some(children) = decl
            .entry_ignore_case("resources")
            .and_then(|e| e.value.as_seq())
        {
            let me = Parent { ty, name };
            for child in children {
                self.declaration(child, None, ctx, Some(&me), depth);
            }
        }
    }

    /// A `Microsoft.Resources/deployments` resource: its inline template's resources, with
    /// inner scope (own parameters bound from the outer values) or outer scope (the outer
    /// template's parameters and variables).
    fn nested(
        &mut self,
        decl: &Node,
        ctx: &Ctx<'_, '_>,
        name: &str,
        symbol: Option<&str>,
        depth: usize,
    ) {
        if depth >= MAX_NESTING {
            return;
        }
        let Some(props) = decl.entry_ignore_case("properties").map(|e| &e.value) else {
            return;
        };
        let Some(inner) = props.entry_ignore_case("template").map(|e| &e.value) else {
            // A linked template (templateLink) or template spec: not available offline.
            return;
        };
        let inner_scope = props
            .entry_ignore_case("expressionEvaluationOptions")
            .and_then(|e| e.value.entry_ignore_case("scope"))
            .and_then(|e| e.value.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let label = symbol.map_or_else(|| name.to_string(), str::to_string);
        if inner_scope {
            let mut bound = Vec::new();
            for p in props
                .entry_ignore_case("parameters")
                .and_then(|e| e.value.as_map())
                .unwrap_or_default()
            {
                let value = match p.value.entry_ignore_case("value") {
                    Some(v) => ctx.eval_node(&v.value),
                    // Key Vault references and deploy-time expressions.
                    None => unknown(p.value.span),
                };
                bound.push((p.key.to_string(), value));
            }
            let scope = TemplateScope::new(inner, bound, self.budget);
            self.template(inner, &scope, &label, depth + 1);
        } else {
            if self.emit_templates {
                self.template_resource(inner, &label, false);
            }
            self.resources(inner, ctx, depth + 1);
        }
    }
}

/// The resource as deployed: every expression evaluated, deployment keys consumed. The
/// `name` keeps pointing at the declaration, whatever its value came from.
fn evaluate_body(decl: &Node, ctx: &Ctx<'_, '_>, name_decl: Option<&Entry>) -> Node {
    let mut entries = Vec::new();
    for e in decl.as_map().unwrap_or_default() {
        if CONSUMED.iter().any(|k| e.key.eq_ignore_ascii_case(k)) {
            continue;
        }
        let mut value = ctx.eval_node(&e.value);
        if e.key.eq_ignore_ascii_case("name")
            && let Some(n) = name_decl
        {
            value.span = n.value.span;
        }
        entries.push(Entry {
            key: e.key.clone(),
            key_span: e.key_span,
            value,
        });
    }
    Node::new(Value::Map(entries), decl.span)
}

/// The resource's name as text, with unknown parts as `{expression}` placeholders (as
/// resource-ID functions print them, so references compare).
fn name_text(evaluated: Option<&Node>, declared: Option<&Node>) -> String {
    match (evaluated, declared) {
        (
            Some(Node {
                value: Value::Str(s),
                ..
            }),
            _,
        ) => s.to_string(),
        (
            _,
            Some(Node {
                value: Value::Str(raw),
                ..
            }),
        ) => match parse_template_string(raw) {
            Ok(Parsed::Expr(e)) => format!("{{{e}}}"),
            _ => raw.to_string(),
        },
        _ => String::new(),
    }
}

/// Marks every span of a bound value as coming from source `src` (a parameters file).
pub fn retag(node: &mut Node, src: u16) {
    node.span = node.span.in_source(src);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| retag(n, src)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = e.key_span.in_source(src);
                retag(&mut e.value, src);
            }
        }
        _ => {}
    }
}
