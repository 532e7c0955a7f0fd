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

static SECRET_PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----",
        r"|(?i:(?:AccountKey|SharedAccessKey|Password|Pwd)=[^;\s]{4,})",
        r"|\bAKIA[0-9A-Z]{16}\b",
        r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b",
        r"|\bxox[abposr]-[A-Za-z0-9-]{10,}",
        r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        r"|\bAIza[0-9A-Za-z_-]{35}\b",
        r"|://[^/\s:@]+:[^/\s@]{3,}@",
    ))
    .expect("valid regex")
});

/// False only when `SECRET_PATTERNS` cannot match `s`: every alternative of it holds one of
/// these literals. Most strings hold none, so the regex, whose Unicode `\b` makes it the
/// costliest of the program to build (4 M instructions, more than a one-file run's whole
/// check), is compiled only once a string could match it.
fn may_match_secret_patterns(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| {
        let rest = &b[i..];
        match rest[0] {
            b'=' => true,
            b'-' => rest.starts_with(b"-----BEGIN "),
            b'A' => rest.starts_with(b"AKIA") || rest.starts_with(b"AIza"),
            b'x' => rest.starts_with(b"xox"),
            b'e' => rest.starts_with(b"eyJ"),
            b'g' => {
                rest.len() >= 4 && rest[1] == b'h' && b"pousr".contains(&rest[2]) && rest[3] == b'_'
            }
            b':' => rest.starts_with(b"://"),
            _ => false,
        }
    })
}

/// Heuristic: known credential formats, or a long high-entropy token.
pub fn looks_like_secret(s: &str) -> bool {
    if may_match_secret_patterns(s) && SECRET_PATTERNS.is_match(s) {
        return true;
    }
    let t = s.trim();
    if t.len() < 24 || t.len() > 512 || t.contains(char::is_whitespace) {
        return false;
    }
    // Image references, URLs, paths and digests are long but not secret.
    if t.contains("://") || t.contains('/') || t.starts_with("sha256:") || t.contains('@') {
        return false;
    }
    let classes = [
        t.bytes().any(|b| b.is_ascii_lowercase()),
        t.bytes().any(|b| b.is_ascii_uppercase()),
        t.bytes().any(|b| b.is_ascii_digit()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return false;
    }
    shannon_entropy(t) >= 4.0
}

fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

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

    /// Strings around every alternative of `SECRET_PATTERNS`, and every substring of them: the
    /// regex matches some of these, and whenever it does the literal pre-check must pass.
    #[test]
    fn the_secret_pattern_precheck_never_hides_a_match() {
        let samples = [
            "-----BEGIN RSA PRIVATE KEY-----",
            "x-----BEGIN PRIVATE KEY-----y",
            "DefaultEndpointsProtocol=https;AccountKey=abcd1234==",
            "sharedaccesskey=SECRETVALUE;",
            "PWD=hunter22",
            "key AKIAIOSFODNN7EXAMPLE end",
            "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
            "gho_abcdefghijklmnopqrstuvwxyz0123456789ABCD ghs_x ghr_y ghu_z",
            "xoxb-1234567890-abcdef",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop",
            "AIzaSyA-abcdefghijklmnopqrstuvwxyz012345",
            "postgres://user:pa55word@db:5432/x",
            "é-----BEGIN EC PRIVATE KEY-----",
            "ÅKIAIOSFODNN7EXAMPLE",
        ];
        let mut matched = 0;
        for s in samples {
            let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            for (a, &i) in cuts.iter().enumerate() {
                for &j in &cuts[a + 1..] {
                    let sub = &s[i..j];
                    if SECRET_PATTERNS.is_match(sub) {
                        matched += 1;
                        assert!(may_match_secret_patterns(sub), "{sub:?}");
                    }
                }
            }
        }
        assert!(matched > 100, "{matched}");
        for plain in [
            "orders-api",
            "contoso.azurecr.io/orders-api:1.4.2",
            "true",
            "443",
            "shop",
        ] {
            assert!(!may_match_secret_patterns(plain), "{plain}");
        }
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
