//! Stable, state-independent names: DNS labels and short hashes derived from inputs only.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `data`, truncated to `len` characters.
pub fn short_hash(data: &[u8], len: usize) -> String {
    let digest = Sha256::digest(data);
    let mut h = hex::encode(digest);
    h.truncate(len);
    h
}

/// True when `s` is a DNS-1123 label as Score requires for workload, container, port and resource
/// names: 2–63 characters of `[a-z0-9-]`, starting and ending with a letter or digit.
pub fn is_score_name(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Turn arbitrary text into a DNS-1123 label of at most `max` characters: lowercase, invalid
/// characters replaced by `-`, trimmed; when it had to be shortened or changed, a short hash of the
/// original is appended so distinct inputs stay distinct.
pub fn dns_label(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_string();
    if out == s && out.len() <= max && !out.is_empty() {
        return out;
    }
    let hash = short_hash(s.as_bytes(), 8);
    let keep = max.saturating_sub(hash.len() + 1);
    let mut base: String = out.chars().take(keep).collect();
    while base.ends_with('-') {
        base.pop();
    }
    if base.is_empty() {
        hash
    } else {
        format!("{base}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn score_names() {
        assert!(is_score_name("my-app"));
        assert!(!is_score_name("a"));
        assert!(!is_score_name("-ab"));
        assert!(!is_score_name("Ab"));
    }

    #[test]
    fn labels() {
        assert_eq!(dns_label("api", 63), "api");
        let l = dns_label("postgres.default#api.db", 63);
        assert!(l.starts_with("postgres-default-api-db-"), "{l}");
    }

    proptest! {
        #[test]
        fn dns_label_is_valid_and_deterministic(s in "\\PC{0,100}", max in 12usize..64) {
            let l = dns_label(&s, max);
            prop_assert!(l.len() <= max);
            prop_assert!(!l.is_empty());
            prop_assert!(l.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'));
            prop_assert!(!l.starts_with('-') && !l.ends_with('-'));
            prop_assert_eq!(l, dns_label(&s, max));
        }
    }
}
