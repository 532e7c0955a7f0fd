//! Value tests that need more than equality: CIDR width, GUIDs, secret-looking strings.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

/// True when `cidr` (`a.b.c.d/n`, IPv6 too) covers more addresses than a /`bits` prefix of
/// the same family. `0.0.0.0/0` is wider than anything; a bare address is a /32 (/128).
pub fn cidr_wider_than(cidr: &str, bits: u8) -> Option<bool> {
    let (addr, prefix) = match cidr.trim().split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (cidr.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return None;
    }
    Some(prefix < bits)
}

/// The registry host and the repository (host/path, no tag or digest) of an image reference,
/// as the container runtime resolves them: `nginx:1.25` is `docker.io/library/nginx`.
pub fn image_registry(image: &str) -> (String, String) {
    let image = image.trim();
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag is a `:` after the last `/` (a `:` before it is a registry port).
    let name = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let (first, rest) = name.split_once('/').unwrap_or(("", name));
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    if is_host {
        (
            first.to_ascii_lowercase(),
            format!("{}/{rest}", first.to_ascii_lowercase()),
        )
    } else if first.is_empty() {
        ("docker.io".into(), format!("docker.io/library/{rest}"))
    } else {
        ("docker.io".into(), format!("docker.io/{name}"))
    }
}

static GUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .expect("valid regex")
});

pub fn is_guid(s: &str) -> bool {
    GUID.is_match(s)
}

pub use crate::model::secret::looks_like_secret;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_widths() {
        assert_eq!(cidr_wider_than("0.0.0.0/0", 8), Some(true));
        assert_eq!(cidr_wider_than("10.0.0.0/7", 8), Some(true));
        assert_eq!(cidr_wider_than("10.0.0.0/8", 8), Some(false));
        assert_eq!(cidr_wider_than("203.0.113.5", 8), Some(false));
        assert_eq!(cidr_wider_than("::/0", 8), Some(true));
        assert_eq!(cidr_wider_than("nonsense", 8), None);
    }

    #[test]
    fn secrets() {
        assert!(looks_like_secret(
            "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abcd1234=="
        ));
        assert!(looks_like_secret("-----BEGIN RSA PRIVATE KEY-----\nMIIE"));
        assert!(looks_like_secret("Xk9vQ2pL7mZr4TnB8wYc3HsD6fGa1JuE"));
        assert!(!looks_like_secret("https://myvault.vault.azure.net/"));
        assert!(!looks_like_secret("api://AzureADTokenExchange"));
        assert!(!looks_like_secret("info"));
        assert!(!looks_like_secret("myregistry.azurecr.io/app:1.2.3"));
        assert!(!looks_like_secret("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }

    #[test]
    fn image_registries() {
        let r = |i: &str| image_registry(i);
        assert_eq!(
            r("nginx"),
            ("docker.io".into(), "docker.io/library/nginx".into())
        );
        assert_eq!(
            r("nginx:1.25"),
            ("docker.io".into(), "docker.io/library/nginx".into())
        );
        assert_eq!(
            r("bitnami/redis:7"),
            ("docker.io".into(), "docker.io/bitnami/redis".into())
        );
        assert_eq!(
            r("contoso.azurecr.io/shop/api@sha256:abc"),
            (
                "contoso.azurecr.io".into(),
                "contoso.azurecr.io/shop/api".into()
            )
        );
        assert_eq!(
            r("localhost:5000/app:dev"),
            ("localhost:5000".into(), "localhost:5000/app".into())
        );
        assert_eq!(
            r("mcr.microsoft.com/oss/nginx:1"),
            (
                "mcr.microsoft.com".into(),
                "mcr.microsoft.com/oss/nginx".into()
            )
        );
    }

    #[test]
    fn guids() {
        assert!(is_guid("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
        assert!(!is_guid("my-admins"));
    }
}
