//! A bundle handed over in parts: a backend that builds its bundle piece by piece (Helm, a
//! chart per workload) gives each finished part to a [`Sink`] instead of holding the whole
//! bundle. The part is leak-checked here, in core, before the caller's [`FileSink`] (the CLI's
//! staging directory) sees any of its files.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use crate::backend::{Bundle, Target};
use crate::diag::Diagnostic;
use crate::leak::SecretScanner;

/// Where a backend hands the finished parts of its bundle.
pub trait Sink: Sync {
    /// Take the files of `part`, with their secret-store ranges marked (its warnings and notes
    /// are the backend's to return with the rest of the bundle). Parts never share a path.
    fn take(&self, part: Bundle);
}

/// Where files that passed the leak check go.
pub trait FileSink: Sync {
    /// Files free of leaks; `secret_files` are those holding a secret value (inside the
    /// target's secret store), to be written owner-only.
    fn put(&self, files: BTreeMap<String, Vec<u8>>, secret_files: BTreeSet<String>);
}

/// The leak check in front of a [`FileSink`]: a part holding a leak never reaches it, and the
/// leak reported ([`CheckedSink::finish`]) is the one the check of the whole bundle reports, the
/// first file in path order, whatever order the parts came in.
pub struct CheckedSink<'a> {
    scanner: &'a SecretScanner,
    target: Target,
    files: &'a dyn FileSink,
    leak: FirstByPath<Diagnostic>,
}

impl<'a> CheckedSink<'a> {
    pub fn new(scanner: &'a SecretScanner, target: Target, files: &'a dyn FileSink) -> Self {
        CheckedSink {
            scanner,
            target,
            files,
            leak: FirstByPath::default(),
        }
    }

    /// The first leak of every part taken, if any.
    pub fn finish(self) -> Result<(), Diagnostic> {
        self.leak.take().map_or(Ok(()), Err)
    }
}

impl Sink for CheckedSink<'_> {
    fn take(&self, mut part: Bundle) {
        match self.scanner.check_located(self.target, &mut part) {
            Ok(()) => self.files.put(part.files, part.secret_files),
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
        // What is kept stays valid whatever a panicking holder did.
        let mut first = self.0.lock().unwrap_or_else(PoisonError::into_inner);
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
}
