//! `azapi_resource`: an ARM resource written in Terraform. Its `body` (an object in azapi v2,
//! a JSON string in v1) is linted by the ARM checks of its `type`.

use crate::model::{ArmOrigin, Entry, Format, Node, Resource, ResourceId, Span, TfOrigin, Value};

/// The ARM view of an `azapi_resource`: `type`/`apiVersion` from `type = "<type>@<version>"`,
/// `name`, `location`, `tags`, `identity` from the attributes, the rest from `body`.
pub fn resource(file: usize, address: &str, values: Node, origin: TfOrigin) -> Option<Resource> {
    let type_node = values.get("type")?;
    let (ty, api) = type_node.as_str()?.split_once('@')?;
    let ty = ty.to_string();
    let mut entries = vec![
        Entry {
            key: "type".into(),
            key_span: span_of_key(&values, "type"),
            value: Node::new(Value::Str(ty.as_str().into()), type_node.span),
        },
        Entry {
            key: "apiVersion".into(),
            key_span: span_of_key(&values, "type"),
            value: Node::new(Value::Str(api.into()), type_node.span),
        },
    ];
    for key in ["name", "location", "tags"] {
        if let Some(e) = values.entry(key) {
            entries.push(e.clone());
        }
    }
    // `identity` is a block list in Terraform, an object in ARM.
    if let Some(e) = values.entry("identity")
        && let Some(first) = e.value.as_seq().and_then(|s| s.first())
    {
        entries.push(Entry {
            key: "identity".into(),
            key_span: e.key_span,
            value: first.clone(),
        });
    }
    if let Some(body) = values.entry("body") {
        match body_of(&body.value).map(|p| p.value) {
            Some(Value::Map(fields)) => {
                for f in fields {
                    if !entries.iter().any(|e| e.key.eq_ignore_ascii_case(&f.key)) {
                        entries.push(f);
                    }
                }
            }
            Some(Value::Unknown) => entries.push(Entry {
                key: "properties".into(),
                key_span: body.key_span,
                value: Node::new(Value::Unknown, body.value.span),
            }),
            _ => {}
        }
    }
    let name = values.get_str("name").unwrap_or(address).to_string();
    let refs = vec![format!("{}|{}", ty.to_ascii_lowercase(), name.to_ascii_lowercase()).into()];
    Some(Resource {
        file,
        format: Format::Arm,
        group: "".into(),
        id: ResourceId {
            kind: ty.as_str().into(),
            namespace: None,
            name: Some(address.into()),
        },
        root: Node::new(Value::Map(entries), values.span),
        pod_path: None,
        helm_source: None,
        arm: Some(Box::new(ArmOrigin {
            declared: type_node.span,
            sources: Vec::new(),
            parameters: None,
            refs,
            bicep: None,
            symbol: Some(address.into()),
            bicep_source: None,
        })),
        tf: Some(Box::new(origin)),
    })
}

/// The body as an object: azapi v2 keeps it as one, v1 as a JSON string.
fn body_of(body: &Node) -> Option<Node> {
    match &body.value {
        Value::Str(text) => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .map(|j| crate::adapt::arm::functions::from_json(&j, body.span)),
        Value::Map(_) | Value::Unknown => Some(body.clone()),
        _ => None,
    }
}

/// Merges an `azapi_update_resource` body onto the `azapi_resource` it patches (named by a
/// configuration reference in `resource_id`, or by an equal known `id`). An update whose
/// target is not in the plan patches something akslint cannot see: it is not linted (false
/// is returned, for the summary to name it). Linting the partial body alone would report every
/// property it does not repeat.
pub fn apply_update(
    resources: &mut [Resource],
    address: &str,
    update: &Node,
    origin: &TfOrigin,
) -> bool {
    let Some(id) = update.get("resource_id") else {
        return false;
    };
    let refs = origin
        .references
        .iter()
        .find(|(s, _)| *s == id.span)
        .map(|(_, r)| r.as_slice())
        .unwrap_or_default();
    let target = resources.iter_mut().find(|r| {
        let by_reference = r
            .name()
            .is_some_and(|target| super::config::references_resource(refs, address, target));
        let by_id = id.as_str().is_some_and(|s| {
            r.root
                .get_str("id")
                .is_some_and(|own| own.eq_ignore_ascii_case(s))
        });
        r.arm.is_some() && r.tf.is_some() && (by_reference || by_id)
    });
    let Some(target) = target else {
        return false;
    };
    if let Some(body) = update.get("body").and_then(body_of) {
        merge(&mut target.root, body);
    }
    true
}

/// Deep merge: objects merge key by key (case-insensitively, as ARM reads keys), anything
/// else replaces.
fn merge(into: &mut Node, from: Node) {
    match (&mut into.value, from.value) {
        (Value::Map(have), Value::Map(add)) => {
            for e in add {
                match have.iter_mut().find(|h| h.key.eq_ignore_ascii_case(&e.key)) {
                    Some(h) => merge(&mut h.value, e.value),
                    None => have.push(e),
                }
            }
        }
        (_, v) => {
            into.value = v;
            into.span = from.span;
        }
    }
}

fn span_of_key(values: &Node, key: &str) -> Span {
    values.entry(key).map_or(values.span, |e| e.key_span)
}
