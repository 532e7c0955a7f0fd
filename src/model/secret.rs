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
}
