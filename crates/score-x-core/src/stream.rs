//! A bundle handed over in parts: a backend that builds its bundle piece by piece (Helm, a
//! chart per workload) gives each finished part to a [`Sink`] instead of holding the whole
//! bundle. The part is leak-checked here, in core, before the caller's [`FileSink`] (the CLI's
//! staging directory) sees any of its files.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::backend::{Bundle, Target};
use crate::diag::Diagnostic;
use crate::leak::SecretScanner;

/// Where a backend hands the finished parts of its bundle.
pub trait Sink: Sync {
    /// Take the files of `part`, with their secret-store ranges marked (its warnings and notes
    /// are the backend's to return with the rest of the bundle). Parts never share a path.
    fn take(&self, part: Bundle);

    /// Append `piece` to the file at `path` (a file no part holds), with `store` the piece's
    /// secret-store ranges (relative to the piece). The pieces of one file come in order, from
    /// one thread at a time, and each ends at the end of a line: one large file (Kubernetes'
    /// stream) is written as it is built instead of held whole.
    fn append(&self, path: &str, piece: Vec<u8>, store: Vec<Range<usize>>);
}

/// Where files that passed the leak check go.
pub trait FileSink: Sync {
    /// Files free of leaks; `secret_files` are those holding a secret value (inside the
    /// target's secret store), to be written owner-only.
    fn put(&self, files: BTreeMap<String, Vec<u8>>, secret_files: BTreeSet<String>);

    /// Append `piece`, free of leaks, to the file at `path` (created by its first piece, in
    /// order, from one thread at a time); `secret`: the piece holds a secret value (the file is
    /// then written owner-only).
    fn append(&self, path: &str, piece: &[u8], secret: bool);
}

/// The leak check in front of a [`FileSink`]: a part holding a leak never reaches it, and the
/// leak reported ([`CheckedSink::finish`]) is the one the check of the whole bundle reports, the
/// first file in path order, whatever order the parts came in.
pub struct CheckedSink<'a> {
    scanner: &'a SecretScanner,
    target: Target,
    files: &'a dyn FileSink,
    leak: FirstByPath<Diagnostic>,
    /// The pieces of appended files, held whole when a secret value spans lines (a match could
    /// then span two pieces): checked and handed over by [`CheckedSink::finish`].
    held: Mutex<Bundle>,
}

impl<'a> CheckedSink<'a> {
    pub fn new(scanner: &'a SecretScanner, target: Target, files: &'a dyn FileSink) -> Self {
        CheckedSink {
            scanner,
            target,
            files,
            leak: FirstByPath::default(),
            held: Mutex::new(Bundle::default()),
        }
    }

    /// Hand over the pieces held, then the first leak of every part and piece, if any.
    pub fn finish(self) -> Result<(), Diagnostic> {
        let held = std::mem::take(&mut *lock(&self.held));
        if !held.files.is_empty() {
            self.take(held);
        }
        self.leak.take().map_or(Ok(()), Err)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // What is kept stays valid whatever a panicking holder did.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sink for CheckedSink<'_> {
    fn take(&self, mut part: Bundle) {
        match self.scanner.check_located(self.target, &mut part) {
            Ok(()) => self.files.put(part.files, part.secret_files),
            Err((path, d)) => self.leak.offer(&path, d),
        }
    }

    fn append(&self, path: &str, piece: Vec<u8>, store: Vec<Range<usize>>) {
        if self.scanner.spans_lines() {
            let mut held = lock(&self.held);
            let file = held.files.entry(path.to_string()).or_default();
            let at = file.len();
            file.extend_from_slice(&piece);
            let store = store
                .into_iter()
                .map(|r| r.start + at..r.end + at)
                .collect();
            held.mark_secret_store(path, store);
            return;
        }
        let mut part = Bundle::default();
        part.files.insert(path.to_string(), piece);
        part.mark_secret_store(path, store);
        match self.scanner.check_located(self.target, &mut part) {
            Ok(()) => {
                let secret = part.secret_files.contains(path);
                if let Some(bytes) = part.files.get(path) {
                    self.files.append(path, bytes, secret);
                }
            }
            Err((path, d)) => self.leak.offer(&path, d),
        }
    }
}

/// The first of the errors met while parts arrive in any order, by the path each concerns: the
/// error a run over the files in path order meets first.
#[derive(Debug)]
pub struct FirstByPath<T>(Mutex<Option<(String, T)>>);

impl<T> Default for FirstByPath<T> {
    fn default() -> Self {
        FirstByPath(Mutex::new(None))
    }
}

impl<T> FirstByPath<T> {
    /// Keep `error` about `path` when it comes before the one kept.
    pub fn offer(&self, path: &str, error: T) {
        let mut first = lock(&self.0);
        if first.as_ref().is_none_or(|(p, _)| path < p.as_str()) {
            *first = Some((path.to_string(), error));
        }
    }

    /// The first error offered, if any.
    pub fn take(self) -> Option<T> {
        let first = self.0.into_inner().unwrap_or_else(PoisonError::into_inner);
        first.map(|(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolved::{SecretRef, SecretStore, SecretText};

    #[derive(Default)]
    struct Collect(Mutex<BTreeMap<String, (Vec<u8>, bool)>>);

    impl FileSink for Collect {
        fn put(&self, files: BTreeMap<String, Vec<u8>>, secret_files: BTreeSet<String>) {
            let mut all = self.0.lock().unwrap();
            for (p, b) in files {
                let secret = secret_files.contains(&p);
                all.insert(p, (b, secret));
            }
        }

        fn append(&self, path: &str, piece: &[u8], secret: bool) {
            let mut all = self.0.lock().unwrap();
            let file = all.entry(path.to_string()).or_default();
            file.0.extend_from_slice(piece);
            file.1 |= secret;
        }
    }

    fn scanner() -> SecretScanner {
        let s = SecretRef {
            name: "db".into(),
            key: Some("password".into()),
            value: Some(SecretText::new("Hunter2-secret/x")),
            store: SecretStore::KubernetesSecret,
        };
        SecretScanner::new([&s])
    }

    fn part(files: &[(&str, &str, bool)]) -> Bundle {
        let mut b = Bundle::default();
        for (path, text, store) in files {
            if *store {
                b.mark_secret_store(path, std::iter::once(0..text.len()).collect());
            }
            b.add(*path, *text);
        }
        b
    }

    #[test]
    fn the_first_by_path_is_kept_whatever_the_order_offered() {
        let first = FirstByPath::default();
        for (path, e) in [("m/x", 1), ("b/y", 2), ("z", 3), ("b/y", 4)] {
            first.offer(path, e);
        }
        assert_eq!(first.take(), Some(2));
        assert_eq!(FirstByPath::<u8>::default().take(), None);
    }

    #[test]
    fn clean_parts_reach_the_files_with_their_secret_files_marked() {
        let (scan, files) = (scanner(), Collect::default());
        let sink = CheckedSink::new(&scan, Target::HELM, &files);
        sink.take(part(&[("a/x.yaml", "plain", false)]));
        sink.take(part(&[("b/s.yaml", "pw: Hunter2-secret/x", true)]));
        sink.finish().unwrap();
        let all = files.0.into_inner().unwrap();
        assert_eq!(all["a/x.yaml"], (b"plain".to_vec(), false));
        assert!(all["b/s.yaml"].1, "the Secret is a secret file");
    }

    #[test]
    fn the_first_leak_in_path_order_is_reported_and_leaking_parts_are_never_written() {
        let (scan, files) = (scanner(), Collect::default());
        let sink = CheckedSink::new(&scan, Target::HELM, &files);
        sink.take(part(&[("z/leak.yaml", "pw: Hunter2-secret/x", false)]));
        sink.take(part(&[("m/ok.yaml", "fine", false)]));
        sink.take(part(&[
            ("b/ok.yaml", "fine", false),
            ("b/leak.yaml", "pw: Hunter2-secret/x", false),
        ]));
        let e = sink.finish().unwrap_err();
        assert!(e.message.contains("`b/leak.yaml`"), "{}", e.message);
        let all = files.0.into_inner().unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["m/ok.yaml"]);
    }

    #[test]
    fn appended_pieces_are_checked_one_by_one_and_a_leaking_piece_is_never_written() {
        let (scan, files) = (scanner(), Collect::default());
        let sink = CheckedSink::new(&scan, Target::KUBERNETES, &files);
        let secret = b"---\nkind: Secret\npw: Hunter2-secret/x\n".to_vec();
        let n = secret.len();
        sink.append("m.yaml", b"---\nkind: A\n".to_vec(), vec![]);
        sink.append("m.yaml", secret, std::iter::once(0..n).collect());
        sink.append(
            "m.yaml",
            b"---\nkind: B\nleak: Hunter2-secret/x\n".to_vec(),
            vec![],
        );
        sink.append("m.yaml", b"---\nkind: C\n".to_vec(), vec![]);
        let e = sink.finish().unwrap_err();
        assert!(e.message.contains("`m.yaml`"), "{}", e.message);
        let all = files.0.into_inner().unwrap();
        let (text, private) = &all["m.yaml"];
        let text = std::str::from_utf8(text).unwrap();
        assert!(*private, "a piece held a secret in its store");
        assert!(text.contains("kind: A") && text.contains("kind: C"));
        assert!(!text.contains("kind: B"), "{text}");
    }

    #[test]
    fn a_secret_spanning_lines_holds_the_pieces_until_finished_and_checks_them_whole() {
        let s = SecretRef {
            name: "key".into(),
            key: None,
            value: Some(SecretText::new("line-one\nline-two")),
            store: SecretStore::KubernetesSecret,
        };
        let scan = SecretScanner::new([&s]);
        assert!(scan.spans_lines());
        let files = Collect::default();
        let sink = CheckedSink::new(&scan, Target::KUBERNETES, &files);
        sink.append("m.yaml", b"---\nv: line-one\n".to_vec(), vec![]);
        assert!(files.0.lock().unwrap().is_empty(), "held, not written");
        sink.append("m.yaml", b"line-two\n".to_vec(), vec![]);
        let e = sink.finish().unwrap_err();
        assert!(e.message.contains("`m.yaml`"), "{}", e.message);
        assert!(files.0.into_inner().unwrap().is_empty());
    }
}
