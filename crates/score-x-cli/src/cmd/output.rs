//! Writing a bundle all or nothing: every file is staged in a sibling temporary directory of the
//! output directory and moved into place only when all of them are written; symbolic links
//! inside the output directory are never followed; leftovers of interrupted runs are removed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write as _;

use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

use crate::fsio::{self, Access};
use crate::printer::Printer;

/// Staging directories are named `.<output dir name>.score-x-staging-<random>`.
const STAGING: &str = ".score-x-staging-";

/// A bundle file to write: its relative path, contents and access.
pub struct OutFile<'a> {
    pub rel: &'a str,
    pub contents: &'a [u8],
    pub access: Access,
}

/// The files of a bundle with their access: secret files owner-only.
pub fn out_files<'a>(
    files: &'a BTreeMap<String, Vec<u8>>,
    secret_files: &BTreeSet<String>,
) -> Vec<OutFile<'a>> {
    files
        .iter()
        .map(|(rel, contents)| OutFile {
            rel,
            contents,
            access: if secret_files.contains(rel) {
                Access::Private
            } else {
                Access::Public
            },
        })
        .collect()
}

/// A relative path made only of normal components.
fn checked_rel(rel: &str) -> Result<&Path, String> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!(
            "refusing to write `{rel}`: not a plain relative path"
        ));
    }
    Ok(p)
}

/// An error when the way to `rel` inside `dir` is blocked before anything is moved: a symbolic
/// link (never followed), a file where a directory must be, or a directory where the file goes.
/// `seen` holds the directories already looked at: `true` for one that exists as a directory,
/// `false` for one that does not exist (nothing inside it does either).
fn check_path(dir: &Path, rel: &str, seen: &mut HashMap<PathBuf, bool>) -> Result<(), String> {
    let rel_path = checked_rel(rel)?;
    let n = rel_path.components().count();
    let mut p = dir.to_path_buf();
    for (i, c) in rel_path.components().enumerate() {
        p.push(c);
        let last = i + 1 == n;
        match seen.get(&p) {
            Some(true) if !last => continue,
            Some(false) => return Ok(()),
            _ => {}
        }
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            if !last {
                seen.insert(p, false);
            }
            return Ok(());
        };
        let problem = if m.file_type().is_symlink() {
            "is a symbolic link; score-x never writes through links inside the output directory"
        } else if !last && !m.is_dir() {
            "is not a directory, but a written file goes inside it"
        } else if last && m.is_dir() {
            "is a directory, where a written file goes"
        } else {
            if !last {
                seen.insert(p.clone(), true);
            }
            continue;
        };
        return Err(format!(
            "`{}` {problem}: remove it, or choose another -o (nothing was written)",
            p.display()
        ));
    }
    Ok(())
}

fn parent_and_name(dir: &Path) -> Result<(PathBuf, String), String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("`{}` cannot be an output directory", dir.display()))?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok((parent, name))
}

/// Remove staging directories an interrupted run left beside `dir` (callers hold the project
/// lock, so no other run of this project is staging there), saying so.
fn remove_leftovers(printer: &Printer, parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING}");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && e.file_name().to_string_lossy().starts_with(&prefix) {
            let p = e.path();
            match std::fs::remove_dir_all(&p) {
                Ok(()) => printer.err(&format!(
                    "note: removed `{}`, left by an interrupted run",
                    p.display()
                )),
                Err(err) => printer.err(&format!(
                    "warning: cannot remove `{}`, left by an interrupted run: {err}",
                    p.display()
                )),
            }
        }
    }
}

/// Write one file with its mode (its directory exists); errors name `shown`, where the file was
/// going.
fn write_file(path: &Path, shown: &Path, f: &OutFile<'_>) -> Result<(), String> {
    let fail = |e: std::io::Error| {
        format!(
            "cannot write `{}`: {} (nothing was changed in the output directory)",
            shown.display(),
            fsio::io_reason(&e)
        )
    };
    let mut file = std::fs::File::create(path).map_err(fail)?;
    file.write_all(f.contents).map_err(fail)?;
    fsio::set_mode(&file, f.access).map_err(fail)
}

/// What would stop [`write_bundle`] before it writes anything (checked again when writing).
pub fn preflight(dir: &Path, files: &[OutFile<'_>]) -> Result<(), String> {
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(format!(
            "`{}` exists and is not a directory (nothing was written)",
            dir.display()
        ));
    }
    if std::fs::symlink_metadata(dir).is_err() {
        // Nothing exists inside a directory that does not exist: only the paths' form counts.
        return files.iter().try_for_each(|f| checked_rel(f.rel).map(drop));
    }
    let mut seen = HashMap::new();
    files
        .iter()
        .try_for_each(|f| check_path(dir, f.rel, &mut seen))
}

/// How [`write_bundle`] put the files in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// The output directory did not exist: it is now exactly the bundle.
    NewDirectory,
    /// Each file moved into the existing directory, beside whatever else it holds.
    IntoExisting,
}

/// Create every directory the files are in, under the fresh staging directory `root`: each
/// once, a depth at a time (the parents first), the directories of one depth in parallel; the
/// error reported is the first in that order (`shown`: the output directory, for messages).
fn make_dirs(root: &Path, shown: &Path, files: &[OutFile<'_>]) -> Result<(), String> {
    let mut levels: Vec<Vec<&str>> = Vec::new();
    let mut seen = HashSet::new();
    for f in files {
        let mut d = f.rel;
        // The directory and each of its ancestors not met yet.
        while let Some((parent, _)) = d.rsplit_once('/') {
            if !seen.insert(parent) {
                break;
            }
            let depth = parent.bytes().filter(|&b| b == b'/').count();
            if levels.len() <= depth {
                levels.resize_with(depth + 1, Vec::new);
            }
            levels[depth].push(parent);
            d = parent;
        }
    }
    for level in &mut levels {
        level.sort_unstable();
        let made: Vec<Result<(), String>> = level
            .par_iter()
            .map(|d| {
                std::fs::create_dir(root.join(d)).map_err(|e| {
                    format!(
                        "cannot write in `{}`: {} (nothing was changed in the output directory)",
                        shown.join(d).display(),
                        fsio::io_reason(&e)
                    )
                })
            })
            .collect();
        made.into_iter().collect::<Result<Vec<()>, String>>()?;
    }
    Ok(())
}

/// Write `files` into `dir` all or nothing: on any error before the move, `dir` is as it was and
/// the staging directory is removed.
pub fn write_bundle(
    printer: &Printer,
    dir: &Path,
    files: &[OutFile<'_>],
) -> Result<Placed, String> {
    preflight(dir, files)?;
    let shown = dir.to_path_buf();
    // `-o` itself may be a link to a directory: stage beside where the files really go, so every
    // move is a rename within one file system.
    let real;
    let dir = match dir.canonicalize() {
        Ok(p) => {
            real = p;
            real.as_path()
        }
        Err(_) => dir,
    };
    let (parent, name) = parent_and_name(dir)?;
    std::fs::create_dir_all(&parent).map_err(|e| {
        format!(
            "cannot create `{}`: {}",
            parent.display(),
            fsio::io_reason(&e)
        )
    })?;
    remove_leftovers(printer, &parent, &name);
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}{STAGING}"))
        .tempdir_in(&parent)
        .map_err(|e| {
            format!(
                "cannot write in `{}`: {}",
                parent.display(),
                fsio::io_reason(&e)
            )
        })?;
    let staged: Vec<PathBuf> = files.iter().map(|f| staging.path().join(f.rel)).collect();
    make_dirs(staging.path(), &shown, files)?;
    let written: Vec<Result<(), String>> = files
        .par_iter()
        .zip(&staged)
        .map(|(f, path)| write_file(path, &shown.join(f.rel), f))
        .collect();
    written.into_iter().collect::<Result<Vec<()>, String>>()?;
    // No fsync of the staged files: outputs are regenerable from the inputs, the state and the
    // seed (those are written synced, `fsio::write_atomic`), and thousands of syncs were most of
    // the system time of a large estate (docs/performance.md). A killed run leaves the previous
    // output (the move is a rename); after a power loss a rerun, or `--check`, restores it.
    if std::fs::symlink_metadata(dir).is_err() {
        // A new directory: one rename puts the whole bundle in place.
        let staged = staging.keep();
        std::fs::rename(&staged, dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            format!("cannot create `{}`: {}", dir.display(), fsio::io_reason(&e))
        })?;
        return Ok(Placed::NewDirectory);
    }
    // An existing directory may hold files that are not ours: move each file over its old self.
    for f in files {
        let to = dir.join(f.rel);
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create `{}`: {}", d.display(), fsio::io_reason(&e)))?;
        }
        std::fs::rename(staging.path().join(f.rel), &to)
            .map_err(|e| format!("cannot write `{}`: {}", to.display(), fsio::io_reason(&e)))?;
    }
    Ok(Placed::IntoExisting)
}

/// Files under `dir` named like an artifact of this bundle (e.g. `<old-workload>/task-definition.json`)
/// that the bundle does not contain: left over from an earlier run. Other files are not ours.
/// Symbolic links are not followed, so the walk sees every real entry once.
pub fn stale_files(files: &BTreeMap<String, Vec<u8>>, dir: &Path) -> Vec<PathBuf> {
    let names: BTreeSet<&str> = files.keys().filter_map(|k| k.rsplit('/').next()).collect();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let p = e.path();
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file()
                && let Ok(rel) = p.strip_prefix(dir)
            {
                let rel_s = rel.to_string_lossy().replace('\\', "/");
                let name = rel_s.rsplit('/').next().unwrap_or_default();
                if names.contains(name) && !files.contains_key(&rel_s) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out<'a>(rels: &[&'a str]) -> Vec<OutFile<'a>> {
        rels.iter()
            .map(|rel| OutFile {
                rel,
                contents: b"x",
                access: Access::Public,
            })
            .collect()
    }

    #[test]
    fn preflight_sees_links_and_files_in_the_way_past_directories_it_already_checked() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("out");
        // A directory that does not exist yet: only the form of the paths counts.
        preflight(&dir, &out(&["a/x.yaml", "b/y.yaml"])).unwrap();
        assert!(preflight(&dir, &out(&["a/../x.yaml"])).is_err());
        std::fs::create_dir_all(dir.join("a/deep")).unwrap();
        std::fs::write(dir.join("f"), "x").unwrap();
        std::os::unix::fs::symlink(t.path(), dir.join("link")).unwrap();
        preflight(
            &dir,
            &out(&["a/x.yaml", "a/deep/y.yaml", "new/z.yaml", "new/w.yaml"]),
        )
        .unwrap();
        let e = preflight(&dir, &out(&["a/x.yaml", "a/y.yaml", "link/z.yaml"])).unwrap_err();
        assert!(e.contains("symbolic link") && e.contains("link"), "{e}");
        let e = preflight(&dir, &out(&["a/x.yaml", "f/z.yaml"])).unwrap_err();
        assert!(e.contains("is not a directory"), "{e}");
        let e = preflight(&dir, &out(&["a/deep/y.yaml", "a/deep"])).unwrap_err();
        assert!(e.contains("is a directory"), "{e}");
    }

    #[test]
    fn only_plain_relative_paths_are_written() {
        assert!(checked_rel("a/b.yaml").is_ok());
        for bad in ["", "/etc/x", "../x", "a/../../x", "./a"] {
            assert!(checked_rel(bad).is_err(), "{bad}");
        }
    }
}
