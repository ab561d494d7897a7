//! The staging directory a translate writes into before anything is moved into the output
//! directory: files arrive from any thread, as the backend finishes them (a [`FileSink`]) or as
//! one bundle, and are moved into place only when the run has succeeded and its state is saved.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::prelude::*;
use score_x_core::resolved::SecretText;
use score_x_core::stream::{FileSink, FirstByPath};

use super::output::{OutFile, Placed, STAGING, parent_and_name, preflight, remove_leftovers};
use super::secrets;
use crate::fsio::{self, Access};
use crate::printer::Printer;

/// A fresh staging directory beside the output directory, being filled.
pub struct Staging {
    /// The output directory as given (for messages) and where its files really go.
    shown: PathBuf,
    real: PathBuf,
    dir: tempfile::TempDir,
    /// Declared after `dir`, so dropped after it.
    created: Created,
    /// The output directory existed as a directory before the run: its files are compared
    /// with the new ones (see [`Staging::write`]).
    existing: bool,
    /// The files left in the output directory as they were (not staged).
    kept: Mutex<HashSet<String>>,
    /// Secret values too short for the leak check's scanner: a file holding one is still
    /// written owner-only (set before the first file arrives).
    short: OnceLock<BTreeSet<SecretText>>,
    /// The directories of files written so far (their ancestors exist too).
    made: Mutex<HashSet<String>>,
    written: Mutex<Vec<(String, Access)>>,
    /// The files being written a piece at a time ([`FileSink::append`]), open.
    appended: Mutex<BTreeMap<String, Appended>>,
    /// The first error, by the path of the file it stopped.
    failure: FirstByPath<String>,
}

/// Locks `m`, whatever a panicking holder left (every value kept here stays valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Staging {
    /// A staging directory for output directory `dir`, beside it (its parent is created when
    /// missing, and removed again unless the files are placed); staging directories left there
    /// by interrupted runs are removed first.
    pub fn new(printer: &Printer, dir: &Path) -> Result<Staging, String> {
        // `-o` itself may be a link to a directory: stage beside where the files really go, so
        // every move is a rename within one file system.
        let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let (parent, name) = parent_and_name(&real)?;
        let created = Created::make(&parent)?;
        remove_leftovers(printer, &parent, &name);
        let staged = tempfile::Builder::new()
            .prefix(&format!(".{name}{STAGING}"))
            .tempdir_in(&parent)
            .map_err(|e| {
                format!(
                    "cannot write in `{}`: {}",
                    parent.display(),
                    fsio::io_reason(&e)
                )
            })?;
        let existing = std::fs::symlink_metadata(&real).is_ok_and(|m| m.is_dir());
        Ok(Staging {
            shown: dir.to_path_buf(),
            real,
            dir: staged,
            created,
            existing,
            kept: Mutex::new(HashSet::new()),
            short: OnceLock::new(),
            made: Mutex::new(HashSet::new()),
            written: Mutex::new(Vec::new()),
            appended: Mutex::new(BTreeMap::new()),
            failure: FirstByPath::default(),
        })
    }

    /// The secret values shorter than the leak check's minimum (see [`Staging::short`]).
    pub fn set_short_secrets(&self, values: BTreeSet<SecretText>) {
        let _ = self.short.set(values);
    }

    /// Write `files` (in parallel) with their directories; an error is kept for
    /// [`Staging::finish`], the first by path. A file the output directory already holds as it
    /// is ([`unchanged`]) is not staged: it stays where it is, and no inode is made or freed.
    pub fn write(&self, files: &[OutFile<'_>]) {
        let (kept, fresh): (Vec<&OutFile<'_>>, Vec<&OutFile<'_>>) = files
            .par_iter()
            .partition(|f| self.existing && unchanged(&self.real, f));
        self.make_dirs(fresh.iter().map(|f| f.rel));
        let results: Vec<(&str, Result<(), String>)> = fresh
            .par_iter()
            .map(|f| (f.rel, self.write_file(f)))
            .collect();
        let mut written = Vec::with_capacity(files.len());
        for ((rel, result), f) in results.into_iter().zip(fresh) {
            match result {
                Ok(()) => written.push((rel.to_string(), f.access)),
                Err(e) => self.failure.offer(rel, e),
            }
        }
        written.extend(kept.iter().map(|f| (f.rel.to_string(), f.access)));
        lock(&self.written).extend(written);
        lock(&self.kept).extend(kept.iter().map(|f| f.rel.to_string()));
    }

    /// The directories of the files at `rels` that are not made yet (in parallel).
    fn make_dirs<'r>(&self, rels: impl Iterator<Item = &'r str>) {
        let leaves: Vec<&str> = {
            let mut made = lock(&self.made);
            let mut new = BTreeSet::new();
            for rel in rels {
                if let Some((d, _)) = rel.rsplit_once('/')
                    && !made.contains(d)
                {
                    made.insert(d.to_string());
                    new.insert(d);
                }
            }
            new.into_iter().collect()
        };
        // `create_dir_all` is safe against another thread making a shared ancestor.
        let dirs: Vec<(&str, Result<(), String>)> =
            leaves.par_iter().map(|d| (*d, self.make_dir(d))).collect();
        for (d, r) in dirs {
            if let Err(e) = r {
                self.failure.offer(d, e);
            }
        }
    }

    fn make_dir(&self, d: &str) -> Result<(), String> {
        super::output::checked_rel(d)?;
        std::fs::create_dir_all(self.dir.path().join(d)).map_err(|e| {
            format!(
                "cannot write in `{}`: {} (nothing was changed in the output directory)",
                self.shown.join(d).display(),
                fsio::io_reason(&e)
            )
        })
    }

    fn write_file(&self, f: &OutFile<'_>) -> Result<(), String> {
        super::output::checked_rel(f.rel)?;
        super::output::write_file(&self.dir.path().join(f.rel), &self.shown.join(f.rel), f)
    }

    /// Append `piece` to the staged file `rel`, creating it (owner-only until it is known to
    /// hold no secret) at its first piece.
    fn append_piece(&self, rel: &str, piece: &[u8], secret: bool) -> Result<(), String> {
        // Not locked while the directories are made (in parallel: rayon may run other work,
        // another file's append, on this thread meanwhile); the pieces of one file come from one
        // thread at a time.
        if !lock(&self.appended).contains_key(rel) {
            super::output::checked_rel(rel)?;
            self.make_dirs(std::iter::once(rel));
            let file = fsio::create_new(&self.dir.path().join(rel), Access::Private)
                .map_err(|e| super::output::write_error(&self.shown.join(rel), &e))?;
            lock(&self.appended).insert(rel.to_string(), Appended::new(file));
        }
        let mut appended = lock(&self.appended);
        let Some(file) = appended.get_mut(rel) else {
            return Ok(());
        };
        let short = match self.short.get() {
            Some(s) if !s.is_empty() => file.holds_short(piece, s),
            _ => false,
        };
        file.secret |= secret || short;
        file.write(piece)
            .map_err(|e| super::output::write_error(&self.shown.join(rel), &e))
    }

    /// Close the files written a piece at a time: one holding no secret is made readable by
    /// everyone, like any other artifact.
    fn close_appended(&self) {
        let appended = std::mem::take(&mut *lock(&self.appended));
        let mut written = lock(&self.written);
        for (rel, file) in appended {
            // Created owner-only: only a file without a secret changes.
            let access = if file.secret {
                Access::Private
            } else {
                Access::Public
            };
            let set = match access {
                Access::Private => Ok(()),
                Access::Public => fsio::set_mode(&file.file, access),
            };
            match set {
                Ok(()) => written.push((rel, access)),
                Err(e) => {
                    let e = super::output::write_error(&self.shown.join(&rel), &e);
                    self.failure.offer(&rel, e);
                }
            }
        }
    }

    /// Everything written, checked against what is in the output directory now (nothing is
    /// moved yet); the first error of the writes, if any. On an error the staging directory is
    /// removed.
    pub fn finish(self) -> Result<Staged, String> {
        self.close_appended();
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        let mut files = std::mem::take(&mut *lock(&self.written));
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        preflight(&self.shown, files.iter().map(|(rel, _)| rel.as_str()))?;
        Ok(Staged {
            real: self.real,
            dir: self.dir,
            created: self.created,
            files,
            kept: std::mem::take(&mut *lock(&self.kept)),
        })
    }
}

impl FileSink for Staging {
    fn put(&self, files: BTreeMap<String, Vec<u8>>, secret_files: BTreeSet<String>) {
        let short = match self.short.get() {
            Some(s) if !s.is_empty() => secrets::files_holding(&files, s),
            _ => BTreeSet::new(),
        };
        let out: Vec<OutFile<'_>> = files
            .iter()
            .map(|(rel, contents)| OutFile {
                rel,
                contents,
                access: if secret_files.contains(rel) || short.contains(rel) {
                    Access::Private
                } else {
                    Access::Public
                },
            })
            .collect();
        self.write(&out);
    }

    fn append(&self, path: &str, piece: &[u8], secret: bool) {
        if let Err(e) = self.append_piece(path, piece, secret) {
            self.failure.offer(path, e);
        }
    }
}

/// Whether `dir` already holds `f` as it is: a regular file (reached through no link, linked
/// once, the one opened) with `f`'s mode and contents. Moving the new file over it would change
/// nothing but its inode; on a file system that is slow to reuse inodes freed moments ago (ext4
/// without a journal scans past them, docs/performance.md), a rerun is then several times
/// faster.
fn unchanged(dir: &Path, f: &OutFile<'_>) -> bool {
    use std::io::Read as _;
    let path = dir.join(f.rel);
    let Ok(before) = std::fs::symlink_metadata(&path) else {
        return false;
    };
    let len = f.contents.len() as u64;
    if !before.file_type().is_file()
        || before.len() != len
        || !one_link_with_mode(&before, f.access)
    {
        return false;
    }
    let Ok(file) = open_plain(&path) else {
        return false;
    };
    // The file opened is the one looked at (not a link put there meanwhile).
    if !file.metadata().is_ok_and(|m| same_file(&before, &m)) {
        return false;
    }
    let mut have = Vec::with_capacity(f.contents.len() + 1);
    file.take(len + 1).read_to_end(&mut have).is_ok() && have == f.contents
}

/// Open `path` to read it, not following a symbolic link in its last component and not
/// waiting (a FIFO put there since it was looked at would wait for a writer).
fn open_plain(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options.custom_flags(flags.bits() as i32);
    }
    options.open(path)
}

/// Whether `m` has the mode `access` gives and a single link (Unix; elsewhere never).
fn one_link_with_mode(m: &std::fs::Metadata, access: Access) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        m.mode() & 0o7777 == fsio::mode_of(access) && m.nlink() == 1
    }
    #[cfg(not(unix))]
    {
        let _ = (m, access);
        false
    }
}

/// Whether two metadata are of one file (Unix; elsewhere never).
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// A staged file written a piece at a time.
struct Appended {
    file: std::fs::File,
    /// A piece held a secret value: the file stays owner-only.
    secret: bool,
    /// The end of the last piece, where a short secret may begin (the longest is 7 bytes).
    tail: Vec<u8>,
}

impl Appended {
    fn new(file: std::fs::File) -> Self {
        Appended {
            file,
            secret: false,
            tail: Vec::new(),
        }
    }

    fn write(&mut self, piece: &[u8]) -> std::io::Result<()> {
        use std::io::Write as _;
        self.file.write_all(piece)?;
        let keep = piece.len().min(SHORT_TAIL);
        self.tail.extend_from_slice(&piece[piece.len() - keep..]);
        let excess = self.tail.len().saturating_sub(SHORT_TAIL);
        self.tail.drain(..excess);
        Ok(())
    }

    /// Whether `piece`, after what was written, holds one of the `short` secret values.
    fn holds_short(&self, piece: &[u8], short: &BTreeSet<SecretText>) -> bool {
        let mut joined = self.tail.clone();
        joined.extend_from_slice(piece);
        let one = BTreeMap::from([(String::new(), joined)]);
        !secrets::files_holding(&one, short).is_empty()
    }
}

/// The bytes of a file kept to find a short secret value across two pieces (the scanner finds
/// values of 8 bytes and more).
const SHORT_TAIL: usize = 7;

/// A complete staging directory, ready to be moved into place.
pub struct Staged {
    real: PathBuf,
    dir: tempfile::TempDir,
    created: Created,
    /// Every file, sorted, with its access.
    pub files: Vec<(String, Access)>,
    /// The files of `files` the output directory already holds as they are: not moved.
    pub kept: HashSet<String>,
}

impl Staged {
    /// Move the files into the output directory: a new directory is the staging directory
    /// renamed; into an existing one each file moves over its old self, beside whatever else it
    /// holds. A killed run leaves the previous output (a rename is atomic).
    pub fn place(mut self) -> Result<Placed, String> {
        self.created.keep();
        // No fsync of the staged files: outputs are regenerable from the inputs, the state and
        // the seed (those are written synced, `fsio::write_atomic`), and thousands of syncs were
        // most of the system time of a large estate (docs/performance.md). After a power loss
        // a rerun, or `--check`, restores them.
        let dir = &self.real;
        if std::fs::symlink_metadata(dir).is_err() {
            if !self.kept.is_empty() {
                return Err(format!(
                    "`{}` was removed while the run wrote its files; run the same command again",
                    dir.display()
                ));
            }
            let staged = self.dir.keep();
            std::fs::rename(&staged, dir).map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                format!("cannot create `{}`: {}", dir.display(), fsio::io_reason(&e))
            })?;
            return Ok(Placed::NewDirectory);
        }
        for (rel, _) in self
            .files
            .iter()
            .filter(|(rel, _)| !self.kept.contains(rel))
        {
            let to = dir.join(rel);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d).map_err(|e| {
                    format!("cannot create `{}`: {}", d.display(), fsio::io_reason(&e))
                })?;
            }
            std::fs::rename(self.dir.path().join(rel), &to)
                .map_err(|e| format!("cannot write `{}`: {}", to.display(), fsio::io_reason(&e)))?;
        }
        Ok(Placed::IntoExisting {
            unchanged: self.kept.len(),
        })
    }
}

/// The directories [`Staging::new`] created above the output directory: removed (those left
/// empty) when the run ends without placing its files, so a failed run leaves nothing behind.
struct Created(Vec<PathBuf>);

impl Created {
    /// Create `dir` and its missing ancestors, remembering which were created.
    fn make(dir: &Path) -> Result<Created, String> {
        let mut missing = Vec::new();
        let mut d = Some(dir);
        while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            missing.push(p.to_path_buf());
            d = p.parent();
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {}", dir.display(), fsio::io_reason(&e)))?;
        Ok(Created(missing))
    }

    fn keep(&mut self) {
        self.0.clear();
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        // Deepest first; a directory something else was put in meanwhile stays.
        for d in &self.0 {
            let _ = std::fs::remove_dir(d);
        }
    }
}
