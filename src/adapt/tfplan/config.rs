//! The plan's `configuration`: which other resources an attribute refers to, even when its
//! value is unknown until apply.

use std::collections::HashMap;

use crate::model::{Node, Span, Value};

/// Configuration expressions by config address (`module.aks.azurerm_kubernetes_cluster.this`).
pub struct Configs<'n> {
    by_address: HashMap<String, &'n Node>,
}

impl<'n> Configs<'n> {
    pub fn new(configuration: Option<&'n Node>) -> Self {
        let mut by_address = HashMap::new();
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            collect(root, "", &mut by_address, 0);
        }
        Configs { by_address }
    }

    pub fn expressions(&self, config_address: &str) -> Option<&'n Node> {
        self.by_address.get(config_address).copied()
    }
}

fn collect<'n>(module: &'n Node, prefix: &str, out: &mut HashMap<String, &'n Node>, depth: usize) {
    for r in module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let (Some(a), Some(e)) = (r.get_str("address"), r.get("expressions")) {
            out.insert(format!("{prefix}{a}"), e);
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
        if let Some(m) = call.value.get("module") {
            collect(m, &format!("{prefix}module.{}.", call.key), out, depth + 1);
        }
    }
}

/// An address without instance keys: `module.a["x"].t.n[0]` → `module.a.t.n`.
pub fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0;
    let mut quote = false;
    let mut escaped = false;
    for c in address.chars() {
        if depth > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' if quote => escaped = true,
                '"' => quote = !quote,
                '[' if !quote => depth += 1,
                ']' if !quote => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// The module part of a config address, with its trailing dot (`module.a.`), or "".
pub fn module_prefix(config_address: &str) -> String {
    let parts: Vec<&str> = config_address.split('.').collect();
    if parts.len() <= 2 {
        return String::new();
    }
    format!("{}.", parts[..parts.len() - 2].join("."))
}

/// A reference to a managed resource (`azurerm_container_registry.acr[0].id`) as the config
/// address of that resource within `module`; `None` for variables, locals, data sources,
/// module outputs and the like.
fn resource_reference(reference: &str, module: &str) -> Option<String> {
    let plain = config_address(reference);
    let mut parts = plain.split('.');
    let (ty, name) = (parts.next()?, parts.next()?);
    if matches!(
        ty,
        "var" | "local" | "each" | "count" | "path" | "terraform" | "data" | "module" | "self"
    ) || !ty.contains('_')
    {
        return None;
    }
    Some(format!("{module}{ty}.{name}"))
}

/// Records, for each attribute of `values` whose expression references resources, the
/// referenced config addresses under the span of the attribute's value node.
pub fn references(
    values: &Node,
    expressions: &Node,
    module: &str,
    out: &mut Vec<(Span, Vec<Box<str>>)>,
) {
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
                        references(item, b, module, out);
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
                    .filter_map(|r| resource_reference(r, module))
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
            resource_reference("azurerm_container_registry.acr[0].id", "module.m.").as_deref(),
            Some("module.m.azurerm_container_registry.acr")
        );
        assert_eq!(resource_reference("var.x", ""), None);
        assert_eq!(
            resource_reference("data.azurerm_client_config.c.tenant_id", ""),
            None
        );
    }
}
