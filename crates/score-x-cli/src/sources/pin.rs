//! Content digests of fetched provisioner files and their pins in
//! `<state-dir>/provisioners.lock.yaml` (committed; kept apart from `state.yaml`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::fsio;

/// One fetched file: its plain name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// `sha256:<64 hex>` over a source's files sorted by name (see [`ContentDigest::of`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentDigest(String);

impl ContentDigest {
    /// For each file in name order: the name, `\n`, the length in decimal, `\n`, the bytes.
    /// Names and lengths are hashed so moving bytes between files changes the digest.
    pub fn of(files: &[FetchedFile]) -> Self {
        let mut sorted: Vec<&FetchedFile> = files.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = Sha256::new();
        for f in sorted {
            h.update(f.name.as_bytes());
            h.update(format!("\n{}\n", f.bytes.len()).as_bytes());
            h.update(&f.bytes);
        }
        ContentDigest(format!("sha256:{}", hex::encode(h.finalize())))
    }
}

impl TryFrom<String> for ContentDigest {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if ok {
            Ok(ContentDigest(s))
        } else {
            Err(format!(
                "`{s}` is not a digest (sha256: and 64 lowercase hexadecimal digits)"
            ))
        }
    }
}

impl From<ContentDigest> for String {
    fn from(d: ContentDigest) -> String {
        d.0
    }
}

impl fmt::Display for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lock file: source (as written on the command line, normalised) → pinned digest.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub version: u32,
    #[serde(default)]
    pub sources: BTreeMap<String, ContentDigest>,
}

const HEADER: &str = "# Written by score-x: the content digest of every remote provisioner source.\n# Commit this file. A source whose content changes is refused until\n# `--update-provisioners` rewrites its pin.\n";

pub fn lock_path(state_dir: &Path) -> PathBuf {
    state_dir.join("provisioners.lock.yaml")
}

impl LockFile {
    /// The pins, or an empty lock when the file does not exist.
    pub fn load(state_dir: &Path) -> Result<Self, String> {
        let path = lock_path(state_dir);
        if !path.exists() {
            return Ok(LockFile {
                version: 1,
                sources: BTreeMap::new(),
            });
        }
        let text = fsio::read_text(&path)?;
        let lock: LockFile = serde_yaml::from_str(&text).map_err(|e| {
            let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
            format!(
                "{}{at}: {e}\n  hint: the file maps `sources:` to `sha256:` digests; delete it and run with --update-provisioners to pin again",
                path.display()
            )
        })?;
        if lock.version != 1 {
            return Err(format!(
                "{}: version {} is not known to this score-x (1)\n  hint: upgrade score-x, or delete the file and run with --update-provisioners",
                path.display(),
                lock.version
            ));
        }
        Ok(lock)
    }

    pub fn save(&self, state_dir: &Path) -> Result<(), String> {
        let body = serde_yaml::to_string(self).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(state_dir).map_err(|e| {
            format!(
                "cannot create `{}`: {}",
                state_dir.display(),
                fsio::io_reason(&e)
            )
        })?;
        let text = format!("{HEADER}{body}");
        fsio::write_atomic(&lock_path(state_dir), text.as_bytes(), fsio::Access::Public)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn f(name: &str, bytes: &str) -> FetchedFile {
        FetchedFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    #[test]
    fn digest_ignores_order_and_sees_names_and_boundaries() {
        let a = ContentDigest::of(&[f("a.yaml", "x"), f("b.yaml", "y")]);
        assert_eq!(a, ContentDigest::of(&[f("b.yaml", "y"), f("a.yaml", "x")]));
        assert_ne!(a, ContentDigest::of(&[f("a.yaml", "xy"), f("b.yaml", "")]));
        assert_ne!(a, ContentDigest::of(&[f("c.yaml", "x"), f("b.yaml", "y")]));
        assert!(a.to_string().starts_with("sha256:") && a.to_string().len() == 71);
    }

    #[test]
    fn lock_round_trips_and_rejects_bad_digests() {
        let dir = tempfile::tempdir().unwrap();
        let mut lock = LockFile::load(dir.path()).unwrap();
        lock.sources.insert(
            "oci://r/p:v1".into(),
            ContentDigest::of(&[f("a.yaml", "x")]),
        );
        lock.save(dir.path()).unwrap();
        assert_eq!(LockFile::load(dir.path()).unwrap(), lock);
        std::fs::write(
            lock_path(dir.path()),
            "version: 1\nsources:\n  x: md5:abc\n",
        )
        .unwrap();
        let e = LockFile::load(dir.path()).unwrap_err();
        assert!(
            e.contains("provisioners.lock.yaml:3") && e.contains("not a digest"),
            "{e}"
        );
    }
}
