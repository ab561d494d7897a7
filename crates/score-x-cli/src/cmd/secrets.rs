//! Secret values in written output: which bundle files hold them (those get mode 0600) and how a
//! `--check` diff shows their lines without the values. Pure functions.

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::Resolved;
use score_x_core::resolved::{Output, ResolvedContent, SecretRef, SecretText, Segment, Value};

/// Shown instead of a secret value whose line is unchanged.
pub const SECRET: &str = "<secret>";
/// Shown instead of a secret value that differs from what is on disk.
pub const SECRET_CHANGED: &str = "<secret changed>";
/// Shown instead of the old value on disk of a secret that changed.
pub const OLD_SECRET: &str = "<old secret>";

/// Every secret value score-x itself knows in `resolved` (generated secrets): outputs and the
/// secret segments of variables and file contents.
pub fn secret_values(resolved: &Resolved) -> BTreeSet<SecretText> {
    let mut out = BTreeSet::new();
    let mut add = |r: &SecretRef| {
        if let Some(v) = &r.value
            && !v.expose().is_empty()
        {
            out.insert(v.clone());
        }
    };
    for r in resolved.resources().values() {
        for o in r.outputs.values() {
            if let Output::Secret(s) = o {
                add(s);
            }
        }
    }
    let segments = |v: &Value| -> Vec<SecretRef> {
        v.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Secret(r) => Some(r.clone()),
                Segment::Text(_) => None,
            })
            .collect()
    };
    for w in resolved.workloads().values() {
        for c in w.containers.values() {
            for v in c.variables.values() {
                segments(&v.value).iter().for_each(&mut add);
            }
            for f in c.files.values() {
                if let ResolvedContent::Text(v) = &f.content {
                    segments(v).iter().for_each(&mut add);
                }
            }
        }
    }
    out
}

/// The bundle files whose text contains one of `values` (exactly). One multi-pattern scan per
/// file, so the cost is the size of the bundle, not files × values.
pub fn files_holding(
    files: &BTreeMap<String, Vec<u8>>,
    values: &BTreeSet<SecretText>,
) -> BTreeSet<String> {
    let patterns: Vec<&str> = values
        .iter()
        .map(SecretText::expose)
        .filter(|v| !v.is_empty())
        .collect();
    if patterns.is_empty() {
        return BTreeSet::new();
    }
    let Ok(scan) = aho_corasick::AhoCorasick::new(&patterns) else {
        // Only a pattern set too large for the automaton fails here: fall back to one search
        // per value.
        return files
            .iter()
            .filter(|(_, bytes)| {
                let text = String::from_utf8_lossy(bytes);
                patterns.iter().any(|v| text.contains(v))
            })
            .map(|(rel, _)| rel.clone())
            .collect();
    };
    files
        .iter()
        .filter(|(_, bytes)| scan.is_match(bytes.as_slice()))
        .map(|(rel, _)| rel.clone())
        .collect()
}

fn replace_values(line: &str, values: &BTreeSet<SecretText>, with: &str) -> Option<String> {
    let mut out = line.to_string();
    let mut hit = false;
    // Longest first, so a value containing another is replaced whole.
    let mut vs: Vec<&str> = values.iter().map(SecretText::expose).collect();
    vs.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in vs {
        if out.contains(v) {
            out = out.replace(v, with);
            hit = true;
        }
    }
    hit.then_some(out)
}

/// The text around the secrets of one line: `(before the first, after the last)`.
fn shape(line: &str, values: &BTreeSet<SecretText>) -> Option<(String, String)> {
    let mut start = usize::MAX;
    let mut end = 0;
    for v in values.iter().map(SecretText::expose) {
        for (i, _) in line.match_indices(v) {
            start = start.min(i);
            end = end.max(i + v.len());
        }
    }
    (start != usize::MAX).then(|| (line[..start].to_string(), line[end..].to_string()))
}

/// The two sides of a `--check` diff with no secret value left: on the new side each secret is
/// `<secret>` (its line is on disk already) or `<secret changed>`; on the old side a line shaped
/// like a new secret line (same text around the value) but not identical is the old value of a
/// changed secret, shown `<old secret>`. Lines without secrets are untouched, so the diff still
/// shows every change.
pub fn mask_pair(old: &str, new: &str, values: &BTreeSet<SecretText>) -> (String, String) {
    let old_lines: BTreeSet<&str> = old.split_inclusive('\n').collect();
    let new_lines: BTreeSet<&str> = new.split_inclusive('\n').collect();
    let shapes: Vec<(String, String)> = new
        .split_inclusive('\n')
        .filter_map(|l| shape(l, values))
        .collect();
    let masked_new = new
        .split_inclusive('\n')
        .map(|l| {
            let with = if old_lines.contains(l) {
                SECRET
            } else {
                SECRET_CHANGED
            };
            replace_values(l, values, with).unwrap_or_else(|| l.to_string())
        })
        .collect();
    let masked_old = old
        .split_inclusive('\n')
        .map(|l| {
            if let Some(m) = replace_values(l, values, SECRET) {
                return m;
            }
            if new_lines.contains(l) {
                return l.to_string();
            }
            shapes
                .iter()
                .find(|(pre, post)| {
                    l.len() >= pre.len() + post.len() && l.starts_with(pre) && l.ends_with(post)
                })
                .map_or_else(
                    || l.to_string(),
                    |(pre, post)| format!("{pre}{OLD_SECRET}{post}"),
                )
        })
        .collect();
    (masked_old, masked_new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[&str]) -> BTreeSet<SecretText> {
        v.iter().map(|s| SecretText::new(*s)).collect()
    }

    #[test]
    fn lines_with_secrets_are_masked_and_changes_still_show() {
        let values = set(&["n3wPassw0rd"]);
        let old = "kind: Secret\nstringData:\n  password: 0ldPassw0rd\n  url: postgres://u:0ldPassw0rd@db/x\nother: 1\n";
        let new = "kind: Secret\nstringData:\n  password: n3wPassw0rd\n  url: postgres://u:n3wPassw0rd@db/x\nother: 2\n";
        let (o, n) = mask_pair(old, new, &values);
        for t in [&o, &n] {
            assert!(!t.contains("Passw0rd"), "{t}");
        }
        assert!(o.contains("  password: <old secret>\n"), "{o}");
        assert!(o.contains("  url: postgres://u:<old secret>@db/x\n"), "{o}");
        assert!(n.contains("  password: <secret changed>\n"), "{n}");
        assert!(o.contains("other: 1") && n.contains("other: 2"));
        // An unchanged secret is masked on both sides and gives no difference.
        let (o, n) = mask_pair(new, new, &values);
        assert_eq!(o, n);
        assert!(o.contains("  password: <secret>\n"), "{o}");
    }

    #[test]
    fn files_holding_secrets() {
        let values = set(&["s3cr3t"]);
        let files = BTreeMap::from([
            ("a.yaml".to_string(), b"x: s3cr3t\n".to_vec()),
            ("b.yaml".to_string(), b"x: 1\n".to_vec()),
        ]);
        assert_eq!(
            files_holding(&files, &values),
            BTreeSet::from(["a.yaml".to_string()])
        );
        let (o, n) = mask_pair(
            "",
            "a: s3cr3t-value\nb: s3cr3t\n",
            &set(&["s3cr3t-value", "s3cr3t"]),
        );
        assert_eq!(o, "");
        assert_eq!(n, "a: <secret changed>\nb: <secret changed>\n");
    }
}
