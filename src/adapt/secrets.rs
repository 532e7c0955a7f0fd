//! Which values of a document are secrets, so that no output prints them: code frames (and
//! their context lines) show `****` in their place, and `akslint resources` `(secret)`.
//! Generous on purpose: masking a value that was not secret costs a little legibility,
//! printing one that was costs a credential in a CI log.
//!
//! A value is secret when it is a string or number (never a boolean or null) and:
//! - it is under `data` or `stringData` of a Kubernetes `Secret`;
//! - it is the `value` of an `env` list item (container environment variables);
//! - its key is named like a credential (`password`, `DB_PASSWORD`, `clientSecret`,
//!   `client-key-data`, `token`, `apiKey`, `connectionString`, …), unless the name says it is
//!   a reference to one (`secretName`, `passwordSecretRef`, `tokenPath`, …);
//! - it looks like one whatever its key (a PEM private key, a connection string with a
//!   password);
//! - it is the `defaultValue` of an ARM `securestring`/`secureObject` parameter, or the value
//!   a parameters file gives such a parameter.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Node, Span, Value};

/// Words that make a key a credential (compared on the key lowercased, without `-`/`_`/`.`).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "accountkey",
    "privatekey",
    "clientkey",
    "signingkey",
    "encryptionkey",
    "sharedkey",
    "masterkey",
    "connectionstring",
    "credential",
    "sastoken",
    "pwd",
    "certificatedata",
];

/// Endings that make such a key a reference to a secret, not the secret.
const REFERENCE_ENDINGS: &[&str] = &[
    "name",
    "names",
    "ref",
    "refs",
    "class",
    "classname",
    "path",
    "file",
    "mount",
    "mountpath",
    "provider",
    "seconds",
    "type",
    "kind",
    "namespace",
    "version",
    "enabled",
    "rotation",
    "rotationpollinterval",
    "audience",
    "audiences",
    "url",
    "uri",
    "id",
];

fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a key names a credential.
pub fn is_secret_key(key: &str) -> bool {
    let k = normalized(key);
    SECRET_WORDS.iter().any(|w| k.contains(w))
        && !REFERENCE_ENDINGS
            .iter()
            .any(|e| k.ends_with(e) && !SECRET_WORDS.iter().any(|w| k.ends_with(w)))
}

static LOOKS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)-----BEGIN [A-Z ]*PRIVATE KEY-----|(?:^|;)\s*(?:password|pwd|accountkey|sharedaccesskey)\s*=|://[^/\s:@]+:[^/\s@]+@")
        .expect("valid regex")
});

/// A value that is a credential whatever its key: what the policies' `looks_like_secret`
/// recognizes (cloud keys, tokens, high-entropy strings), a PEM private key, a connection
/// string with a password, a URL with a password.
fn looks_secret(s: &str) -> bool {
    (may_look_secret(s) && LOOKS_SECRET.is_match(s)) || crate::model::secret::looks_like_secret(s)
}

/// False only when `LOOKS_SECRET` cannot match: each of its alternatives holds `-----`, `=`
/// or `://` (signs no case folding changes), so most strings are decided without compiling
/// the regex.
fn may_look_secret(s: &str) -> bool {
    s.contains("-----") || s.contains('=') || s.contains("://")
}

fn maskable(n: &Node) -> bool {
    matches!(n.value, Value::Str(_) | Value::Int(_) | Value::Float(_))
}

/// Every string or number under `n`.
fn all_values(n: &Node, out: &mut Vec<Span>) {
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| all_values(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| all_values(&e.value, out)),
        _ if maskable(n) => out.push(n.span),
        _ => {}
    }
}

/// The value of a credential-named key: all of it, except that of a declaration (an ARM
/// parameter `{"type": "string", "defaultValue": …}`), whose type stays readable.
fn secret_value(v: &Node, out: &mut Vec<Span>) {
    if v.entry_ignore_case("type").is_some() {
        for e in v.as_map().unwrap_or_default() {
            if e.key.eq_ignore_ascii_case("defaultValue") || e.key.eq_ignore_ascii_case("value") {
                all_values(&e.value, out);
            }
        }
    } else {
        all_values(v, out);
    }
}

/// The spans of the secret values of a document (a Kubernetes object, an ARM template or
/// parameters file, a plan), in the document's own file.
pub fn spans(doc: &Node) -> Vec<Span> {
    let mut out = Vec::new();
    if doc.get_str("kind") == Some("Secret") && doc.get_str("apiVersion").is_some() {
        for key in ["data", "stringData"] {
            if let Some(d) = doc.get(key) {
                all_values(d, &mut out);
            }
        }
    }
    walk(doc, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(n: &Node, out: &mut Vec<Span>) {
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| walk(i, out)),
        Value::Map(entries) => {
            // `{name: DB_PASSWORD, value: …}` (ARM appSettings, env-like lists elsewhere).
            if n.get_str("name").is_some_and(is_secret_key)
                && let Some(v) = n.get("value").filter(|x| maskable(x))
            {
                out.push(v.span);
            }
            for e in entries {
                if is_secret_key(&e.key) {
                    secret_value(&e.value, out);
                } else if &*e.key == "env"
                    && let Value::Seq(vars) = &e.value.value
                {
                    for v in vars {
                        if let Some(value) = v.get("value").filter(|x| maskable(x)) {
                            out.push(value.span);
                        }
                    }
                }
                walk(&e.value, out);
            }
        }
        Value::Str(s) if looks_secret(s) => out.push(n.span),
        _ => {}
    }
}

/// The names of an ARM template's `securestring` / `secureObject` parameters.
pub fn secure_parameters(template: &Node) -> Vec<String> {
    template
        .entry_ignore_case("parameters")
        .and_then(|e| e.value.as_map())
        .unwrap_or_default()
        .iter()
        .filter(|p| {
            p.value
                .entry_ignore_case("type")
                .and_then(|t| t.value.as_str())
                .is_some_and(|t| {
                    t.eq_ignore_ascii_case("securestring") || t.eq_ignore_ascii_case("secureobject")
                })
        })
        .map(|p| p.key.to_string())
        .collect()
}

/// An ARM template's secrets: those of any document, and the defaults of its secure
/// parameters.
pub fn arm_template_spans(template: &Node) -> Vec<Span> {
    let mut out = spans(template);
    let secure = secure_parameters(template);
    for p in template
        .entry_ignore_case("parameters")
        .and_then(|e| e.value.as_map())
        .unwrap_or_default()
    {
        if secure.iter().any(|s| s.eq_ignore_ascii_case(&p.key))
            && let Some(d) = p.value.entry_ignore_case("defaultValue")
        {
            all_values(&d.value, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A parameters file's secrets: those of any document, and the values of the parameters the
/// template declares secure.
pub fn arm_parameters_spans(parameters: &Node, secure: &[String]) -> Vec<Span> {
    let mut out = spans(parameters);
    for p in parameters
        .entry_ignore_case("parameters")
        .and_then(|e| e.value.as_map())
        .unwrap_or_default()
    {
        if secure.iter().any(|s| s.eq_ignore_ascii_case(&p.key))
            && let Some(v) = p.value.entry_ignore_case("value")
        {
            all_values(&v.value, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

static SECRET_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // `key: value`, `key = value`, `"key": value` on one line of a file that is not parsed
    // here (a chart template, a `.bicep` or `.tf` source).
    Regex::new(r#"(?m)^([ \t]*(?:-[ \t]+)?["']?([A-Za-z0-9_.\-]+)["']?[ \t]*[:=][ \t]*)([^\s#{\[].*?)[ \t]*,?[ \t]*\r?$"#)
        .expect("valid regex")
});

/// A text that is shown but not parsed as a document (Helm chart templates, `.bicep`, `.tf`):
/// the values of lines `key: value` / `key = value` whose key names a credential, and values
/// that look like one, are masked (same length, so lines and columns stay).
pub fn mask_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    // The key of the line before: `- name: X` then `value: …` is an environment variable.
    let mut previous: Option<(usize, String)> = None;
    // Line numbers counted incrementally: linear in the text whatever it holds.
    let (mut counted_to, mut line) = (0, 0);
    for c in SECRET_LINE.captures_iter(text) {
        let (Some(key), Some(value)) = (c.get(2), c.get(3)) else {
            continue;
        };
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..key.start()]).count();
        counted_to = key.start();
        let env_value = key.as_str() == "value"
            && previous
                .as_ref()
                .is_some_and(|(l, k)| *l + 1 == line && k == "name");
        previous = Some((line, key.as_str().to_string()));
        let v = value.as_str();
        let literal = !v.contains("{{")
            && !v.starts_with("var.")
            && !v.starts_with("param")
            // Booleans and nulls are never secrets (`automountServiceAccountToken: true`).
            && !matches!(
                v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
                "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
            );
        if !(literal && (env_value || is_secret_key(key.as_str()) || looks_secret(v))) {
            continue;
        }
        out.push_str(&text[last..value.start()]);
        let (open, inner, close) = match v.as_bytes().first() {
            Some(b'"' | b'\'') if v.len() >= 2 => (&v[..1], &v[1..v.len() - 1], &v[v.len() - 1..]),
            _ => ("", v, ""),
        };
        out.push_str(open);
        out.extend(inner.chars().map(|_| '*'));
        out.push_str(close);
        last = value.end();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Limits, scalar::Schema, yaml};

    fn masked(text: &str) -> String {
        let docs = yaml::load(text, Schema::Yaml11, Limits::default()).docs;
        let spans: Vec<Span> = docs.iter().flat_map(spans).collect();
        crate::adapt::tfplan::redact(text, &spans)
    }

    /// Whenever `LOOKS_SECRET` matches a string (here every substring of strings built around
    /// each of its alternatives), the literal pre-check lets it through.
    #[test]
    fn the_looks_secret_precheck_never_hides_a_match() {
        let samples = [
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----begin private key-----",
            "Server=db;Password=hunter2;",
            "; PWD = x",
            "accountkey=abc",
            "SharedAccessKey=abc;x",
            "https://user:pa55@host/x",
            "ſharedaccesskey=1",
        ];
        let mut matched = 0;
        for s in samples {
            let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            for (a, &i) in cuts.iter().enumerate() {
                for &j in &cuts[a + 1..] {
                    let sub = &s[i..j];
                    if LOOKS_SECRET.is_match(sub) {
                        matched += 1;
                        assert!(may_look_secret(sub), "{sub:?}");
                    }
                }
            }
        }
        assert!(matched > 30, "{matched}");
        for plain in [
            "orders-api",
            "contoso.azurecr.io/app:1.2",
            "LoadBalancer",
            "-- x",
        ] {
            assert!(!may_look_secret(plain), "{plain}");
        }
    }

    #[test]
    fn secret_keys_and_references() {
        for k in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "db-password",
            "client-key-data",
            "clientSecret",
            "apiKey",
            "API_KEY",
            "token",
            "connectionString",
            "AccountKey",
            "credentials",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "secretName",
            "passwordSecretRef",
            "tokenPath",
            "name",
            "image",
            "secretProviderClass",
            "expirationSeconds",
            "keyvaultName",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn kubernetes_secrets_env_values_and_credential_keys_are_masked() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  user: admin\n  anything: hunter2\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  automountServiceAccountToken: true\n  containers:\n    - name: c\n      env:\n        - name: MODE\n          value: \"plain\"\n      volumeMounts:\n        - name: creds\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  DB_PASSWORD: s3cret\n  conn: \"Server=x;Password=abc\"\n  secretName: visible\n";
        let m = masked(text);
        assert_eq!(m.len(), text.len());
        for gone in ["admin", "hunter2", "plain", "s3cret", "Password=abc"] {
            assert!(!m.contains(gone), "{gone}:\n{m}");
        }
        for kept in [
            "automountServiceAccountToken: true",
            "name: MODE",
            "secretName: visible",
            "DB_PASSWORD: ******",
            "value: \"*****\"",
        ] {
            assert!(m.contains(kept), "{kept}:\n{m}");
        }
    }

    #[test]
    fn lines_of_unparsed_sources() {
        let t = "  admin_password = \"P@ss\"\n  password: {{ .Values.pw }}\n  name: x\n  adminPassword: 'abc'\n  annotations:\n    token: t0k\n";
        let m = mask_lines(t);
        assert_eq!(
            m,
            "  admin_password = \"****\"\n  password: {{ .Values.pw }}\n  name: x\n  adminPassword: '***'\n  annotations:\n    token: ***\n"
        );
    }
}

/// The secret values of a file as text, so that no message quotes one (a rejected ARM
/// expression quoting a `securestring` value, a `{value}` of a custom policy).
#[derive(Debug, Default)]
pub struct SecretValues(Vec<String>);

impl SecretValues {
    /// The text at each span of `text` (quotes left out); values under 4 characters are too
    /// common to scrub from prose.
    pub fn add(&mut self, text: &str, spans: &[Span]) {
        if spans.is_empty() {
            return;
        }
        let idx = crate::source::LineIndex::new(text);
        for s in spans.iter().filter(|s| s.src == 0) {
            let (a, b) = (idx.offset(text, s.start), idx.offset(text, s.end));
            if let Some(v) = text.get(a..b.max(a)) {
                let v = v.trim().trim_matches(['"', '\'']);
                if v.chars().count() >= 4 && !v.contains('\n') {
                    self.0.push(v.to_string());
                }
            }
        }
    }

    /// Replaces every secret value in `messages` by `****`.
    pub fn scrub<'a>(&self, messages: impl Iterator<Item = &'a mut String>) {
        if self.0.is_empty() {
            return;
        }
        let mut values: Vec<&str> = self.0.iter().map(String::as_str).collect();
        // Longest first: a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        let pattern = values
            .iter()
            .map(|v| regex::escape(v))
            .collect::<Vec<_>>()
            .join("|");
        let re = regex::RegexBuilder::new(&pattern)
            .size_limit(64 << 20)
            .build()
            .ok();
        for m in messages {
            match &re {
                Some(re) if re.is_match(m) => *m = re.replace_all(m, "****").into_owned(),
                Some(_) => {}
                // Too many to compile: say nothing a value could be in.
                None if values.iter().any(|v| m.contains(v)) => {
                    *m = "(message withheld: it quotes a secret value)".into();
                }
                None => {}
            }
        }
    }
}
