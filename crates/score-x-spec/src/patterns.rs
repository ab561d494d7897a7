//! The string patterns of Score v1b1, written by hand (no regex engine needed).

/// RFC 1123 label: `^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$` (workload, container, port, resource names).
pub fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Resource type and class: `^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$`.
pub fn is_type_name(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=63).contains(&b.len())
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Resource id: `^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$`, 2 to 63 chars.
pub fn is_resource_id(s: &str) -> bool {
    (2..=63).contains(&s.len())
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// Annotation key: optional DNS prefix `a.b/` then `[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]`.
pub fn is_annotation_key(s: &str) -> bool {
    if !(2..=316).contains(&s.len()) {
        return false;
    }
    let name = match s.rsplit_once('/') {
        Some((prefix, name)) => {
            if !prefix.split('.').all(is_dns_label) {
                return false;
            }
            name
        }
        None => s,
    };
    let b = name.as_bytes();
    (2..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// `[a-z0-9][a-z0-9-]{0,61}[a-z0-9]` (a label of at least 2 characters, as the schema says).
fn is_dns_label(s: &str) -> bool {
    is_label(s)
}

/// File mode: `^0?[0-7]{3}$`; returns the mode bits.
pub fn file_mode(s: &str) -> Option<u32> {
    let digits = match s.len() {
        4 if s.starts_with('0') => &s[1..],
        3 => s,
        _ => return None,
    };
    if digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        u32::from_str_radix(digits, 8).ok()
    } else {
        None
    }
}

/// HTTP header name: `^[A-Za-z0-9_-]+$`.
pub fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert!(is_label("ab") && is_label("my-app-2"));
        assert!(!is_label("a") && !is_label("-ab") && !is_label("ab-") && !is_label("Ab"));
        assert!(!is_label(&"a".repeat(64)) && is_label(&"a".repeat(63)));
    }

    #[test]
    fn ids_and_types() {
        assert!(is_resource_id("main-cache") && is_resource_id("shared.db--x"));
        assert!(!is_resource_id("a..b") && !is_resource_id("-a") && !is_resource_id("A1"));
        assert!(is_type_name("Resource-One") && !is_type_name("my.type"));
    }

    #[test]
    fn annotation_keys() {
        assert!(is_annotation_key("prefix.com/Another-Key_Annotation.2"));
        assert!(is_annotation_key(
            "compose.score.dev/publish-management-port"
        ));
        assert!(
            !is_annotation_key("Bad_Prefix/x1")
                && !is_annotation_key("a")
                && !is_annotation_key("x/")
        );
    }

    #[test]
    fn modes() {
        assert_eq!(file_mode("0644"), Some(0o644));
        assert_eq!(file_mode("600"), Some(0o600));
        assert_eq!(file_mode("0800"), None);
        assert_eq!(file_mode("1644"), None);
    }
}
