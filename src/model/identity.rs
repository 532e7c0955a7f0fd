//! Format-neutral identity: how resources name each other, as the cross-resource checks
//! compare them. ARM resource IDs reduce to `namespace/type|name` keys; Terraform addresses
//! split into module path and resource, and the references a configuration records name
//! resources by their configuration address. The adapters build these; the policies compare
//! them without knowing the formats.

/// The lower-cased `type|name` that an ARM resource ID names (its last provider segment),
/// for matching references against resources of the run.
pub fn id_key(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/")?;
    let parts: Vec<&str> = lower[at + "/providers/".len()..]
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let (namespace, rest) = parts.split_first()?;
    if rest.is_empty() || rest.len() % 2 != 0 {
        return None;
    }
    let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
    let names: Vec<&str> = rest.iter().skip(1).step_by(2).copied().collect();
    Some(format!(
        "{namespace}/{}|{}",
        types.join("/"),
        names.join("/")
    ))
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
