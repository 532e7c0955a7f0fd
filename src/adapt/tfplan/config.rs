//! The plan's `configuration`: which other resources an attribute refers to, even when its
//! value is unknown until apply.

pub use crate::model::identity::{config_address, references_resource, split_address};
use std::collections::HashMap;

use crate::model::{Node, Span, Value};

/// The plan's configuration, by config address (`module.aks.azurerm_kubernetes_cluster.this`)
/// for resources and by module prefix (`module.aks.`) for module calls.
#[derive(Default)]
pub struct Configs<'n> {
    /// Whether the plan has a `configuration` at all.
    pub present: bool,
    /// A resource's configuration object (`expressions`, `for_each_expression`, ...).
    resources: HashMap<String, &'n Node>,
    /// A module call's configuration object (`expressions` are its input variables).
    calls: HashMap<String, &'n Node>,
}

impl<'n> Configs<'n> {
    pub fn new(configuration: Option<&'n Node>) -> Self {
        let mut configs = Configs {
            present: configuration.is_some(),
            ..Configs::default()
        };
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            configs.collect(root, "", 0);
        }
        configs
    }

    pub fn expressions(&self, config_address: &str) -> Option<&'n Node> {
        self.resources.get(config_address)?.get("expressions")
    }

    /// The configuration object of the resource at `config_address`.
    pub fn resource(&self, config_address: &str) -> Option<&'n Node> {
        self.resources.get(config_address).copied()
    }

    fn collect(&mut self, module: &'n Node, prefix: &str, depth: usize) {
        for r in module
            .get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(a) = r.get_str("address") {
                self.resources.insert(format!("{prefix}{a}"), r);
            }
        }
        if depth >= 64 {
            return;
        }
        for call in module
            .get("module_calls")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let child = format!("{prefix}module.{}.", call.key);
            self.calls.insert(child.clone(), &call.value);
            if let Some(m) = call.value.get("module") {
                self.collect(m, &child, depth + 1);
            }
        }
    }

    /// Whether an attribute expression leaves the attribute unset: written `= null`, or
    /// computed only from values Terraform knows at plan time (variables, `count.index`,
    /// `each` of a plan-time `for_each`). Such an attribute, if still unknown in the plan, is
    /// null in the configuration and decided by the provider's default. `owner` is the
    /// configuration object the expression belongs to (for `each` and `count`), `module` the
    /// module prefix it is written in.
    pub fn leaves_unset(&self, expr: &Node, owner: Option<&Node>, module: &str) -> bool {
        if let Some(c) = expr.get("constant_value") {
            return c.is_null();
        }
        let refs = expr
            .get("references")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        !refs.is_empty()
            && refs.iter().all(|r| {
                r.as_str()
                    .is_some_and(|r| self.plan_time(r, owner, module, 0))
            })
    }

    /// Whether a reference is known when Terraform plans (never a resource attribute, a data
    /// source, a module output or a local: the configuration JSON has no locals' expressions).
    fn plan_time(&self, reference: &str, owner: Option<&Node>, module: &str, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        let mut parts = reference.split(['.', '[']);
        match (parts.next(), parts.next()) {
            (Some("count" | "path" | "terraform"), _) => true,
            (Some("each"), Some("key")) => true,
            (Some("each"), _) => owner
                .and_then(|o| o.get("for_each_expression"))
                .is_some_and(|e| self.known(e, None, module, depth + 1)),
            (Some("var"), Some(name)) => {
                if module.is_empty() {
                    // Root variables are given before the plan.
                    return true;
                }
                let Some(call) = self.calls.get(module) else {
                    return false;
                };
                let parent = module_prefix_of_call(module);
                match call.get("expressions").and_then(|e| e.get(name)) {
                    // Not passed: the variable's default, a constant.
                    None => true,
                    Some(e) => self.known(e, Some(call), parent, depth + 1),
                }
            }
            _ => false,
        }
    }

    /// Whether an expression's value is known at plan time.
    fn known(&self, expr: &Node, owner: Option<&Node>, module: &str, depth: usize) -> bool {
        if expr.get("constant_value").is_some() {
            return true;
        }
        let refs = expr
            .get("references")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        !refs.is_empty()
            && refs.iter().all(|r| {
                r.as_str()
                    .is_some_and(|r| self.plan_time(r, owner, module, depth))
            })
    }
}

/// `module.a.module.b.` → `module.a.`; `module.a.` → "".
fn module_prefix_of_call(module: &str) -> &str {
    let trimmed = module.strip_suffix('.').unwrap_or(module);
    match trimmed.rfind(".module.") {
        Some(i) => &module[..i + 1],
        None => "",
    }
}

/// Whether an expressions entry is one attribute's expression (`constant_value` and/or
/// `references`), not a nested block's expressions.
pub fn is_attribute_expression(e: &Node) -> bool {
    e.as_map().is_some_and(|entries| {
        entries
            .iter()
            .all(|x| matches!(&*x.key, "constant_value" | "references"))
    })
}

/// The module part of a config address, with its trailing dot (`module.a.`), or "".
pub fn module_prefix(config_address: &str) -> String {
    let parts: Vec<&str> = config_address.split('.').collect();
    if parts.len() <= 2 {
        return String::new();
    }
    format!("{}.", parts[..parts.len() - 2].join("."))
}

/// A reference to a managed resource of the same module, as `type.name` or, with a constant
/// instance key, `type.name["eu"]` / `type.name[0]`; `None` for variables, locals, data
/// sources, module outputs and the like.
fn resource_reference(reference: &str) -> Option<String> {
    let mut parts = reference.splitn(3, '.');
    let ty = parts.next()?;
    let rest = parts.next()?;
    if matches!(
        ty,
        "var" | "local" | "each" | "count" | "path" | "terraform" | "data" | "module" | "self"
    ) || !ty.contains('_')
    {
        return None;
    }
    // `name` and an instance key right after it (`acr["eu"]`), up to the next attribute.
    let mut name = String::new();
    let mut depth = 0;
    let mut quote = false;
    let tail = match reference.split_once('.') {
        Some((_, t)) => t,
        None => rest,
    };
    for c in tail.chars() {
        match c {
            '.' if depth == 0 => break,
            '[' if !quote => depth += 1,
            ']' if !quote => depth -= 1,
            '"' => quote = !quote,
            _ => {}
        }
        name.push(c);
    }
    Some(format!("{ty}.{name}"))
}

/// Records, for each attribute of `values` whose expression references resources, the
/// referenced resources (`type.name`, with a constant instance key when there is one) under
/// the span of the attribute's value node.
pub fn references(values: &Node, expressions: &Node, out: &mut Vec<(Span, Vec<Box<str>>)>) {
    let Some(exprs) = expressions.as_map() else {
        return;
    };
    for e in exprs {
        let Some(v) = values.entry(&e.key) else {
            continue;
        };
        match &e.value.value {
            // Nested blocks: one expressions object per block.
            Value::Seq(blocks) => {
                if let Some(items) = v.value.as_seq() {
                    for (b, item) in blocks.iter().zip(items) {
                        references(item, b, out);
                    }
                }
            }
            Value::Map(_) => {
                let refs: Vec<Box<str>> = e
                    .value
                    .get("references")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .filter_map(resource_reference)
                    .map(Into::into)
                    .collect();
                if !refs.is_empty() {
                    let mut refs = refs;
                    refs.sort();
                    refs.dedup();
                    // An element of a list attribute refers to the same things.
                    for i in v.value.as_seq().unwrap_or_default() {
                        out.push((i.span, refs.clone()));
                    }
                    out.push((v.value.span, refs));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_instance_keys() {
        assert_eq!(
            config_address(r#"module.aks["eu.west"].azurerm_kubernetes_cluster.this[0]"#),
            "module.aks.azurerm_kubernetes_cluster.this"
        );
        assert_eq!(
            module_prefix("module.a.module.b.t_x.n"),
            "module.a.module.b."
        );
        assert_eq!(module_prefix("t_x.n"), "");
        assert_eq!(
            resource_reference("azurerm_container_registry.acr[0].id").as_deref(),
            Some("azurerm_container_registry.acr[0]")
        );
        assert_eq!(
            resource_reference(r#"azurerm_container_registry.acr["e.u"].id"#).as_deref(),
            Some(r#"azurerm_container_registry.acr["e.u"]"#)
        );
        assert_eq!(
            resource_reference("azurerm_container_registry.acr").as_deref(),
            Some("azurerm_container_registry.acr")
        );
        assert_eq!(resource_reference("var.x"), None);
        assert_eq!(
            resource_reference("data.azurerm_client_config.c.tenant_id"),
            None
        );
    }

    #[test]
    fn references_respect_module_instances_and_keys() {
        assert_eq!(
            split_address(r#"module.a["x.y"].t_y.n[0]"#),
            (r#"module.a["x.y"]."#, "t_y.n[0]")
        );
        let keyed: Vec<Box<str>> = vec![r#"t_y.acr["eu"]"#.into(), "t_y.acr".into()];
        let any: Vec<Box<str>> = vec!["t_y.acr".into()];
        assert!(references_resource(&keyed, "t_z.pe", r#"t_y.acr["eu"]"#));
        assert!(!references_resource(&keyed, "t_z.pe", r#"t_y.acr["us"]"#));
        assert!(references_resource(&any, "t_z.pe", r#"t_y.acr["us"]"#));
        assert!(references_resource(
            &any,
            r#"module.m["eu"].t_z.pe"#,
            r#"module.m["eu"].t_y.acr"#
        ));
        assert!(!references_resource(
            &any,
            r#"module.m["eu"].t_z.pe"#,
            r#"module.m["us"].t_y.acr"#
        ));
    }
}
