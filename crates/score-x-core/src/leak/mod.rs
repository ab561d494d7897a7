//! The leak check run after emit over every bundle of every target: no secret value score-x
//! knows (nor its base64, URL-encoded or case-changed form) may appear in any file except inside
//! the target's own secret store objects. One multi-pattern scan per file ([`finder`]).

mod finder;

use std::collections::BTreeMap;
use std::ops::Range;

use base64::Engine as _;

use crate::backend::{Bundle, Target};
use crate::diag::{Code, Diagnostic};
use crate::resolved::{Output, Resolved, ResolvedContent, SecretRef};
use finder::Finder;

/// Secret values shorter than this are not searched for (too likely to match by chance).
pub const MIN_SECRET_LEN: usize = 8;

// Every pattern is a value of at least MIN_SECRET_LEN bytes or a longer encoding of one.
const _: () = assert!(MIN_SECRET_LEN >= finder::MIN_PATTERN);

/// Every known secret value, in every encoding searched for, compiled once.
#[derive(Debug, Clone)]
pub struct SecretScanner {
    finder: Option<Finder>,
    /// Pattern index → the name of the secret it encodes.
    owners: Vec<String>,
    /// Whether a pattern holds a line break (then a file is never cut into pieces).
    multiline: bool,
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
        let finder = (!patterns.is_empty())
            .then(|| Finder::new(&patterns))
            .flatten();
        let multiline = patterns.iter().any(|p| p.contains('\n'));
        SecretScanner {
            finder,
            owners,
            multiline,
        }
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

    /// True when a secret value holds a line break: a match may then cross the end of a line,
    /// so a file is only checked whole.
    pub fn spans_lines(&self) -> bool {
        self.multiline
    }

    /// True when there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.finder.is_none()
    }

    /// Every occurrence in `bytes`: its byte range and the name of the secret.
    pub fn find_all<'s>(
        &'s self,
        bytes: &'s [u8],
    ) -> impl Iterator<Item = (Range<usize>, &'s str)> {
        self.finder.iter().flat_map(move |f| {
            f.find_all(bytes).into_iter().map(|(range, pattern)| {
                let name = self.owners.get(pattern).map_or("", String::as_str);
                (range, name)
            })
        })
    }

    /// Check one bundle: an occurrence outside its secret store is an error; the files holding
    /// secret values are recorded in `bundle.secret_files`. Large bundles are scanned in parallel,
    /// in line-aligned pieces when no pattern holds a line break (a match cannot then cross a
    /// piece's edge, so every piece finds exactly the matches the whole-file scan finds there);
    /// the findings are then judged in file order, so the error reported is the sequential one.
    pub fn check(&self, target: Target, bundle: &mut Bundle) -> Result<(), Diagnostic> {
        self.check_located(target, bundle).map_err(|(_, d)| d)
    }

    /// [`SecretScanner::check`], the error with the path of the file that leaks.
    pub fn check_located(
        &self,
        target: Target,
        bundle: &mut Bundle,
    ) -> Result<(), (String, Diagnostic)> {
        let Some(finder) = &self.finder else {
            return Ok(());
        };
        let total: usize = bundle.files.values().map(Vec::len).sum();
        let pieces = self.pieces(bundle, total);
        let found: Vec<Vec<(usize, usize)>> = if total >= PARALLEL_BYTES {
            use rayon::prelude::*;
            pieces.par_iter().map(|p| p.matches(finder)).collect()
        } else {
            pieces.iter().map(|p| p.matches(finder)).collect()
        };
        let mut holding = Vec::new();
        for (piece, matches) in pieces.iter().zip(&found) {
            for &(at, pattern) in matches {
                if !bundle.in_secret_store(piece.path, at) {
                    let name = self.owners.get(pattern).map_or("", String::as_str);
                    return Err((piece.path.to_string(), leak(target, piece.path, name)));
                }
                if holding.last() != Some(&piece.path) {
                    holding.push(piece.path);
                }
            }
        }
        let holding: Vec<String> = holding.into_iter().map(str::to_string).collect();
        bundle.secret_files.extend(holding);
        Ok(())
    }

    /// The bundle's files cut into the pieces the scan runs over, in file order.
    fn pieces<'b>(&self, bundle: &'b Bundle, total: usize) -> Vec<Piece<'b>> {
        let split = total >= PARALLEL_BYTES && !self.multiline;
        let mut out = Vec::new();
        for (path, bytes) in &bundle.files {
            let mut start = 0;
            while start < bytes.len() {
                let end = if split {
                    line_end(bytes, start + PIECE_BYTES)
                } else {
                    bytes.len()
                };
                out.push(Piece {
                    path,
                    bytes,
                    range: start..end,
                });
                start = end;
            }
        }
        out
    }
}

/// A bundle holding at least this many bytes is scanned in parallel.
const PARALLEL_BYTES: usize = 1 << 20;
/// The size a large file is cut to (then extended to the end of its line).
const PIECE_BYTES: usize = 1 << 18;

/// The end of the line holding byte `at` (just past its `\n`), or the end of `bytes`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |i| at + i + 1)
}

/// A range of one file.
struct Piece<'b> {
    path: &'b str,
    bytes: &'b [u8],
    range: Range<usize>,
}

impl Piece<'_> {
    /// Each match in the piece: its offset in the file and its pattern.
    fn matches(&self, finder: &Finder) -> Vec<(usize, usize)> {
        let Some(text) = self.bytes.get(self.range.clone()) else {
            return Vec::new();
        };
        finder
            .find_all(text)
            .into_iter()
            .map(|(range, pattern)| (self.range.start + range.start, pattern))
            .collect()
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
    use std::collections::BTreeSet;

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

    /// The check done the plain way: every whole file scanned in order.
    fn whole_file(scan: &SecretScanner, b: &Bundle) -> Result<BTreeSet<String>, String> {
        let mut holding = BTreeSet::new();
        for (path, bytes) in &b.files {
            for (range, name) in scan.find_all(bytes) {
                if !b.in_secret_store(path, range.start) {
                    return Err(format!("{path} {name}"));
                }
                holding.insert(path.clone());
            }
        }
        Ok(holding)
    }

    /// A bundle over the parallel threshold, a secret at each of `at` (line numbers), the
    /// lines in `store` marked as the secret store.
    fn large(value: &str, at: &[usize], store: &[usize]) -> Bundle {
        let line = "padding: abcdefghijklmnopqrstuvwxyz0123456789\n";
        let mut text = String::new();
        let mut ranges = Vec::new();
        for i in 0..(3 * PARALLEL_BYTES / line.len()) {
            let start = text.len();
            if at.contains(&i) {
                text.push_str(&format!("s: {value}\n"));
            } else {
                text.push_str(line);
            }
            if store.contains(&i) {
                ranges.push(start..text.len());
            }
        }
        let mut b = Bundle::default();
        b.add("a.yaml", text.clone());
        b.add("b.yaml", "small: file\n");
        b.mark_secret_store("a.yaml", ranges);
        b
    }

    #[test]
    fn the_parallel_scan_judges_as_the_whole_file_scan() {
        let lines = PIECE_BYTES / 45;
        let edges = [0, lines - 1, lines, lines + 1, 2 * lines, 60_000];
        for value in ["Hunter2-secret/x", "two\nline-secret"] {
            let scan = SecretScanner::new([&secret(value)]);
            assert_eq!(scan.multiline, value.contains('\n'));
            let cases = [
                large(value, &edges, &edges),
                large(value, &edges, &edges[..5]),
                large(value, &edges, &[]),
                large(value, &[], &[]),
            ];
            for b in cases {
                let mut checked = b.clone();
                let got = scan
                    .check(Target::KUBERNETES, &mut checked)
                    .map(|()| checked.secret_files.clone())
                    .map_err(|d| d.message);
                match (whole_file(&scan, &b), got) {
                    (Ok(want), Ok(got)) => assert_eq!(want, got),
                    (Err(path), Err(msg)) => assert!(msg.contains("a.yaml"), "{path}: {msg}"),
                    (want, got) => panic!("{want:?} vs {got:?}"),
                }
            }
        }
    }
}
