//! YAML paths as printed in diagnostics: `/containers/main/files/"/etc/app.conf"/mode`.
//!
//! Segments are joined with `/`; a key that is empty or contains `/`, `"` or whitespace is
//! written in double quotes (JSON string escaping) so every path reads back unambiguously.

/// The path of entry `key` below `parent`.
pub fn child(parent: &str, key: &str) -> String {
    let mut s = String::with_capacity(parent.len() + key.len() + 3);
    s.push_str(parent);
    s.push('/');
    if key.is_empty() || key.contains(['/', '"', ' ', '\t', '\n']) {
        s.push_str(&serde_json::Value::String(key.to_string()).to_string());
    } else {
        s.push_str(key);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_keys_with_slashes() {
        assert_eq!(child("", "containers"), "/containers");
        assert_eq!(child("/files", "/etc/a.conf"), "/files/\"/etc/a.conf\"");
        assert_eq!(child("/v", ""), "/v/\"\"");
    }
}
