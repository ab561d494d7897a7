//! Deterministic names, labels and small text rules (env escaping, quantities, port names).

use std::collections::BTreeMap;

use score_x_core::naming::short_hash;

/// Annotation prefix of score-x's own annotations (never copied onto pods).
pub const ANNOTATION_PREFIX: &str = "score-x.dev/";
/// Annotation prefix of score-k8s, accepted for compatibility (never copied onto pods).
pub const SCORE_K8S_PREFIX: &str = "k8s.score.dev/";
/// Pod template annotation holding a checksum of the mounted files.
pub const CHECKSUM_ANNOTATION: &str = "score-x.dev/config-checksum";
/// Value of `app.kubernetes.io/managed-by`.
pub const MANAGED_BY: &str = "score-x";

/// The three standard labels of every workload object.
pub fn labels(workload: &str) -> BTreeMap<String, String> {
    let mut m = selector(workload);
    m.insert("app.kubernetes.io/managed-by".into(), MANAGED_BY.into());
    m
}

/// The selector labels: derived from the workload name only, never from state.
pub fn selector(workload: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/instance".to_string(),
            workload.to_string(),
        ),
        ("app.kubernetes.io/name".to_string(), workload.to_string()),
    ])
}

/// Escape text for an env `value`: the kubelet expands `$(VAR)` and turns `$$` into `$`, so a
/// `$` followed by `(` or `$` is doubled. Any other `$` is left alone.
pub fn escape_env(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('(') | Some('$')) {
            out.push('$');
        }
    }
    out
}

/// Name of the hidden env var that carries one secret for a mixed value.
pub fn secret_helper_name(secret: &str, key: &str) -> String {
    format!(
        "SCOREX_REF_{}",
        short_hash(format!("{secret}\n{key}").as_bytes(), 12).to_uppercase()
    )
}

/// The pod volume (and claim template) name of a volume resource.
pub fn volume_name(uid: &str) -> String {
    format!("vol-{}", short_hash(uid.as_bytes(), 10))
}

/// The key of a file in the workload's ConfigMap or Secret: container, a readable part of the
/// basename and a hash of the target, so it is unique, stable and a valid data key.
pub fn file_key(container: &str, target: &str) -> String {
    let base = target.rsplit('/').next().unwrap_or(target);
    let readable: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let readable = readable.trim_matches('.');
    let hash = short_hash(target.as_bytes(), 10);
    if readable.is_empty() {
        format!("{container}-{hash}")
    } else {
        format!("{container}-{hash}-{readable}")
    }
}

/// A CPU quantity from millicores: whole cores as `2`, otherwise `500m`.
pub fn cpu_quantity(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        format!("{}", millis / 1000)
    } else {
        format!("{millis}m")
    }
}

/// True when `s` is a canonical-enough Kubernetes quantity (`128Mi`, `1G`, `1.5Gi`, `100`, `1e3`).
pub fn is_quantity(s: &str) -> bool {
    let (num, suffix) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let num_ok = !num.is_empty()
        && num.chars().filter(|c| *c == '.').count() <= 1
        && num.chars().any(|c| c.is_ascii_digit());
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || is_exponent(suffix);
    num_ok && suffix_ok
}

fn is_exponent(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

/// True when `s` may name a container port (IANA service name: at most 15 characters of
/// `[a-z0-9-]`, at least one letter, no leading, trailing or double `-`).
pub fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kubelet's `$(VAR)` expansion (k8s third_party/forked/golang/expansion), to check
    /// that escaped text comes back unchanged.
    fn kubelet_expand(input: &str) -> String {
        let b = input.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' && i + 1 < b.len() {
                match b[i + 1] {
                    b'$' => {
                        out.push('$');
                        i += 2;
                    }
                    b'(' => match input[i + 2..].find(')') {
                        Some(end) => {
                            out.push_str("<EXPANDED>");
                            i += 2 + end + 1;
                        }
                        None => {
                            out.push_str("$(");
                            i += 2;
                        }
                    },
                    _ => {
                        out.push('$');
                        i += 1;
                    }
                }
            } else {
                let ch = input[i..].chars().next().unwrap();
                out.push(ch);
                i += ch.len_utf8();
            }
        }
        out
    }

    #[test]
    fn escaping_survives_kubelet_expansion() {
        for s in [
            "$(HOME)", "a$$(b)", "$", "x$", "$$", "cost: $5", "$(", "é$(é)$", "$$$(",
        ] {
            let e = escape_env(s);
            assert_eq!(kubelet_expand(&e), s, "escaped {s:?} as {e:?}");
        }
        assert_eq!(escape_env("$(HOME)"), "$$(HOME)");
        assert_eq!(escape_env("$HOME"), "$HOME");
    }

    #[test]
    fn labels_and_selector_are_from_the_name_only() {
        let l = labels("api");
        assert_eq!(l.len(), 3);
        assert_eq!(l["app.kubernetes.io/managed-by"], "score-x");
        assert!(selector("api").iter().all(|(k, v)| l.get(k) == Some(v)));
    }

    #[test]
    fn quantities() {
        for ok in ["128Mi", "1G", "1.5Gi", "100", "500m", "1e3", "2E6", "0.5"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["1K", "", "Mi", "1.2.3", "1KB", "1e", "abc"] {
            assert!(!is_quantity(bad), "{bad}");
        }
        assert_eq!(cpu_quantity(500), "500m");
        assert_eq!(cpu_quantity(2000), "2");
    }

    #[test]
    fn port_names_and_keys() {
        assert!(is_port_name("http"));
        assert!(!is_port_name("a-very-long-port-name"));
        assert!(!is_port_name("8080"));
        assert!(!is_port_name("a--b"));
        let k = file_key("main", "/etc/nginx/nginx.conf");
        assert!(k.starts_with("main-") && k.ends_with("-nginx.conf"), "{k}");
        assert_ne!(file_key("main", "/a/x"), file_key("main", "/b/x"));
        assert!(file_key("c", "/").starts_with("c-"));
        assert!(secret_helper_name("pg", "password").starts_with("SCOREX_REF_"));
        assert_ne!(secret_helper_name("pg", "a"), secret_helper_name("pg", "b"));
    }
}
