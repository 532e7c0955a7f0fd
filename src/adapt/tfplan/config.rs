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

/// Splits a resource address into its module instance path (with keys, and the trailing dot)
/// and the resource part: `module.a["x"].t_y.n[0]` → (`module.a["x"].`, `t_y.n[0]`).
pub fn split_address(address: &str) -> (&str, &str) {
    let mut dots = Vec::new();
    let mut depth = 0;
    let mut quote = false;
    for (i, c) in address.char_indices() {
        match c {
            '"' => quote = !quote,
            '[' if !quote => depth += 1,
            ']' if !quote => depth -= 1,
            '.' if depth == 0 && !quote => dots.push(i),
            _ => {}
        }
    }
    match dots.len() {
        0 | 1 => ("", address),
        n => address.split_at(dots[n - 2] + 1),
    }
}

/// Whether references written in the resource at `referrer` (an address) name the resource at
/// `target`: same module instance, and the same resource, of the same instance when the
/// reference names one.
pub fn references_resource(refs: &[Box<str>], referrer: &str, target: &str) -> bool {
    let (from_module, _) = split_address(referrer);
    let (to_module, resource) = split_address(target);
    if from_module != to_module {
        return false;
    }
    let without_key = config_address(resource);
    // Terraform lists every prefix of a traversal (`acr["eu"].id`, `acr["eu"]`, `acr`): a
    // keyed reference names one instance, and the bare one then means nothing more.
    let keyed = refs.iter().any(|r| {
        r.len() > without_key.len()
            && r.starts_with(&without_key)
            && r[without_key.len()..].starts_with('[')
    });
    refs.iter()
        .any(|r| **r == *resource || (!keyed && **r == *without_key))
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
