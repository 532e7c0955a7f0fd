//! What looks like a credential: one heuristic shared by the secret policies (SEC checks) and
//! the masking of secret values in every output.

use std::sync::LazyLock;

use regex::Regex;

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

/// Heuristic: known credential formats, or a long high-entropy token.
pub fn looks_like_secret(s: &str) -> bool {
    if SECRET_PATTERNS.is_match(s) {
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
