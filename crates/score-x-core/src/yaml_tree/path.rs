//! YAML paths as printed in diagnostics: `/containers/main/files/"/etc/app.conf"/mode`, and their
//! RFC 6901 JSON Pointer form for machine-readable output (`/containers/main/files/~1etc~1app.conf/mode`).
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

/// The segments of a readable path (the inverse of [`child`]). The root `/` has none.
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path.strip_prefix('/').unwrap_or(path);
    while !rest.is_empty() {
        if rest.starts_with('"')
            && let Some((seg, tail)) = quoted(rest)
        {
            out.push(seg);
            rest = tail.strip_prefix('/').unwrap_or(tail);
            continue;
        }
        let (seg, tail) = rest.split_once('/').unwrap_or((rest, ""));
        out.push(seg.to_string());
        rest = tail;
    }
    out
}

/// A leading JSON string and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut de = serde_json::Deserializer::from_str(s).into_iter::<String>();
    let seg = de.next()?.ok()?;
    let end = de.byte_offset();
    Some((seg, s.get(end..)?))
}

/// The RFC 6901 JSON Pointer of a readable path: `~` → `~0`, `/` → `~1`; the root is `""`.
pub fn json_pointer(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in segments(path) {
        out.push('/');
        out.push_str(&seg.replace('~', "~0").replace('/', "~1"));
    }
    out
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

    #[test]
    fn json_pointers_escape_per_rfc_6901() {
        let p = child(&child(&child("", "containers"), "main"), "files");
        let p = child(&child(&p, "/etc/x"), "mode");
        assert_eq!(json_pointer(&p), "/containers/main/files/~1etc~1x/mode");
        assert_eq!(json_pointer("/"), "");
        assert_eq!(json_pointer(""), "");
        assert_eq!(json_pointer(&child("/a", "b~c")), "/a/b~0c");
        assert_eq!(json_pointer(&child("/v", "")), "/v/");
        assert_eq!(
            json_pointer(&child("/v", "say \"hi\"/x")),
            "/v/say \"hi\"~1x"
        );
        assert_eq!(json_pointer("/0/params/x"), "/0/params/x");
    }

    #[test]
    fn segments_round_trip() {
        let keys = ["a", "", "/x/y", "with space", "q\"uote", "~", "0"];
        let mut p = String::new();
        for k in keys {
            p = child(&p, k);
        }
        assert_eq!(segments(&p), keys);
    }
}
