//! `translate --format kyaml`: the Kubernetes manifests as KYAML, the strict YAML subset
//! `kubectl get -o kyaml` writes (KEP-5295): every document opens with `---`, maps and lists
//! in flow style (`{}` / `[]`) with trailing commas, two-space indentation, every string
//! double-quoted, keys bare only when no YAML reader could take them for anything else.
//! Any YAML reader reads it as the same objects (tests/cli_kyaml.rs checks with PyYAML).

use serde_json::Value;

/// The KYAML form of a manifest stream written by the Kubernetes backend.
pub fn from_manifests(yaml: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(yaml).map_err(|_| "the manifests are not UTF-8".to_string())?;
    let mut out = String::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| format!("cannot read the manifests back: {e}"))?;
        if v.is_null() {
            continue;
        }
        out.push_str("---\n");
        value(&mut out, &v, 0);
        out.push('\n');
    }
    Ok(out.into_bytes())
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn value(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (k, x) in m {
                pad(out, indent + 2);
                out.push_str(&key(k));
                out.push_str(": ");
                value(out, x, indent + 2);
                out.push_str(",\n");
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str("[\n");
            for x in a {
                pad(out, indent + 2);
                value(out, x, indent + 2);
                out.push_str(",\n");
            }
            pad(out, indent);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => out.push_str(&quoted(s)),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

/// Words some YAML reader (1.1 or 1.2) takes for a boolean or null.
const AMBIGUOUS: [&str; 11] = [
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "",
];

/// A key bare when it is a plain identifier-like word (`app.kubernetes.io/name`), else quoted.
fn key(k: &str) -> String {
    let bare = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !AMBIGUOUS.contains(&k.to_ascii_lowercase().as_str());
    if bare { k.to_string() } else { quoted(k) }
}

/// A YAML double-quoted scalar: JSON's escapes, plus `\uXXXX` for every character YAML does
/// not allow raw or reads as a line break (C1 controls, U+2028/9, U+FEFF, U+FFFE/F).
fn quoted(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let u = u32::from(c);
        if (0x7f..=0x9f).contains(&u) || matches!(u, 0x2028 | 0x2029 | 0xfeff | 0xfffe | 0xffff) {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_style_quoted_strings_and_safe_keys() {
        let yaml = b"---\na: x\nb: [1, true, null]\n'yes': {}\nlist: []\napp.kubernetes.io/name: \"\\u0085 \\u2028\"\n";
        let k = String::from_utf8(from_manifests(yaml).unwrap()).unwrap();
        assert_eq!(
            k,
            "---\n{\n  a: \"x\",\n  b: [\n    1,\n    true,\n    null,\n  ],\n  \"yes\": {},\n  list: [],\n  app.kubernetes.io/name: \"\\u0085 \\u2028\",\n}\n"
        );
        let back: Value = serde_yaml::from_str(k.trim_start_matches("---\n")).unwrap();
        assert_eq!(back["yes"], serde_json::json!({}));
        assert_eq!(back["app.kubernetes.io/name"], "\u{85} \u{2028}");
    }
}
