//! The leak check run after emit over every bundle of every target: no secret value score-x
//! knows (nor its base64, URL-encoded or case-changed form) may appear in any file except inside
//! the target's own secret store objects. One multi-pattern scan (Aho-Corasick) per file.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;

use crate::backend::{Bundle, Target};
use crate::diag::{Code, Diagnostic};
use crate::resolved::{Output, Resolved, ResolvedContent, SecretRef};

/// Secret values shorter than this are not searched for (too likely to match by chance).
pub const MIN_SECRET_LEN: usize = 8;

/// Every known secret value, in every encoding searched for, compiled once.
#[derive(Debug, Clone)]
pub struct SecretScanner {
    automaton: Option<AhoCorasick>,
    /// Pattern index → the name of the secret it encodes.
    owners: Vec<String>,
}

fn encodings(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    let b64 = base64::engine::general_purpose::STANDARD;
    out.push(b64.encode(value));
    let url: String = value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    if url != value {
        out.push(url);
    }
    out
}

impl SecretScanner {
    /// A scanner for the given secrets (those without a known value are skipped).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a SecretRef>) -> Self {
        let mut by_value: BTreeMap<String, String> = BTreeMap::new();
        for r in secrets {
            if let Some(v) = &r.value
                && v.expose().len() >= MIN_SECRET_LEN
            {
                by_value
                    .entry(v.expose().to_string())
                    .or_insert_with(|| r.name.clone());
            }
        }
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (value, name) in &by_value {
            for e in encodings(value) {
                patterns.push(e);
                owners.push(name.clone());
            }
        }
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        SecretScanner { automaton, owners }
    }

    /// A scanner for every secret of the resolved model: provisioner outputs and the secret
    /// segments of variables and files.
    pub fn of(app: &Resolved) -> Self {
        let outputs = app.resources().values().flat_map(|r| {
            r.outputs.values().filter_map(|o| match o {
                Output::Secret(s) => Some(s),
                Output::Plain(_) => None,
            })
        });
        let used = app.workloads().values().flat_map(|w| {
            w.containers.values().flat_map(|c| {
                let vars = c.variables.values().flat_map(|v| v.value.secrets());
                let files = c.files.values().flat_map(|f| match &f.content {
                    ResolvedContent::Text(v) => v.secrets().collect::<Vec<_>>(),
                    ResolvedContent::Binary(_) => Vec::new(),
                });
                vars.chain(files).collect::<Vec<_>>()
            })
        });
        SecretScanner::new(outputs.chain(used))
    }

    /// True when there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Every occurrence in `bytes`: its byte range and the name of the secret.
    pub fn find_all<'s>(
        &'s self,
        bytes: &'s [u8],
    ) -> impl Iterator<Item = (Range<usize>, &'s str)> {
        self.automaton.iter().flat_map(move |ac| {
            ac.find_iter(bytes).map(|m| {
                let name = self
                    .owners
                    .get(m.pattern().as_usize())
                    .map_or("", String::as_str);
                (m.start()..m.end(), name)
            })
        })
    }

    /// Check one bundle: an occurrence outside its secret store is an error; the files holding
    /// secret values are recorded in `bundle.secret_files`.
    pub fn check(&self, target: Target, bundle: &mut Bundle) -> Result<(), Diagnostic> {
        if self.is_empty() {
            return Ok(());
        }
        let mut holding = Vec::new();
        for (path, bytes) in &bundle.files {
            for (range, name) in self.find_all(bytes) {
                if !bundle.in_secret_store(path, range.start) {
                    return Err(leak(target, path, name));
                }
                holding.push(path.clone());
            }
        }
        bundle.secret_files.extend(holding);
        Ok(())
    }
}

fn leak(target: Target, path: &str, secret: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Provisioner,
        format!(
            "the {target} file `{path}` contains the value of secret `{secret}` (or an encoding of it) outside the target's secret store"
        ),
    )
    .hint("a provisioner must put secret values only in the target's secret objects and reference them (secretKeyRef, valueFrom, nomadVar)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolved::SecretText;

    fn secret(v: &str) -> SecretRef {
        SecretRef {
            name: "db".into(),
            key: Some("password".into()),
            value: Some(SecretText::new(v)),
            store: crate::resolved::SecretStore::KubernetesSecret,
        }
    }

    #[test]
    fn finds_encodings_outside_the_store_only() {
        let s = secret("Hunter2-secret/x");
        let scan = SecretScanner::new([&s]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("Hunter2-secret/x");
        for text in [
            "pw: hunter2-SECRET/x".to_string(),
            format!("data: {b64}"),
            "url: Hunter2-secret%2Fx".to_string(),
        ] {
            let mut b = Bundle::default();
            b.add("f.yaml", text.clone());
            let e = scan.check(Target::KUBERNETES, &mut b).unwrap_err();
            assert!(
                e.message.contains("`db`") && !e.message.contains("Hunter2"),
                "{text}"
            );
        }
        let mut b = Bundle::default();
        b.add("f.yaml", "a: 1\n---\nstringData: Hunter2-secret/x\n");
        b.mark_secret_store("f.yaml", std::iter::once(7..40).collect());
        scan.check(Target::KUBERNETES, &mut b).unwrap();
        assert!(b.secret_files.contains("f.yaml"));
    }

    #[test]
    fn short_and_unknown_secrets_are_not_searched() {
        let short = secret("abc");
        let unknown = SecretRef {
            name: "x".into(),
            key: None,
            value: None,
            store: crate::resolved::SecretStore::KubernetesSecret,
        };
        assert!(SecretScanner::new([&short, &unknown]).is_empty());
    }
}
