//! Writing a bundle all or nothing: every file is staged in a sibling temporary directory of the
//! output directory and moved into place only when all of them are written; symbolic links
//! inside the output directory are never followed; leftovers of interrupted runs are removed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::path::{Component, Path, PathBuf};

use crate::fsio::{self, Access};
use crate::printer::Printer;

/// Staging directories are named `.<output dir name>.score-x-staging-<random>`.
pub(super) const STAGING: &str = ".score-x-staging-";

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
pub(super) fn checked_rel(rel: &str) -> Result<&Path, String> {
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

pub(super) fn parent_and_name(dir: &Path) -> Result<(PathBuf, String), String> {
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
pub(super) fn remove_leftovers(printer: &Printer, parent: &Path, name: &str) {
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
pub(super) fn write_file(path: &Path, shown: &Path, f: &OutFile<'_>) -> Result<(), String> {
    fsio::create_with_mode(path, f.contents, f.access).map_err(|e| write_error(shown, &e))
}

/// The message for a staged file (`shown` in the output directory) that could not be written.
pub(super) fn write_error(shown: &Path, e: &std::io::Error) -> String {
    format!(
        "cannot write `{}`: {} (nothing was changed in the output directory)",
        shown.display(),
        fsio::io_reason(e)
    )
}

/// What would stop the files at `rels` from being moved into `dir` (nothing is written yet).
pub fn preflight<'r>(dir: &Path, rels: impl IntoIterator<Item = &'r str>) -> Result<(), String> {
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(format!(
            "`{}` exists and is not a directory (nothing was written)",
            dir.display()
        ));
    }
    if std::fs::symlink_metadata(dir).is_err() {
        // Nothing exists inside a directory that does not exist: only the paths' form counts.
        return rels
            .into_iter()
            .try_for_each(|rel| checked_rel(rel).map(drop));
    }
    let mut seen = HashMap::new();
    rels.into_iter()
        .try_for_each(|rel| check_path(dir, rel, &mut seen))
}

/// How [`write_bundle`] put the files in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// The output directory did not exist: it is now exactly the bundle.
    NewDirectory,
    /// Each file moved into the existing directory, beside whatever else it holds, but those
    /// it already held as they are (`unchanged` of them), left in place.
    IntoExisting { unchanged: usize },
}

/// Write `files` into `dir` all or nothing: on any error before the move, `dir` is as it was and
/// the staging directory is removed. What is in the way in `dir` is found before anything moves
/// ([`preflight`], run by the staging's `finish`).
pub fn write_bundle(
    printer: &Printer,
    dir: &Path,
    files: &[OutFile<'_>],
) -> Result<Placed, String> {
    let staging = super::staging::Staging::new(printer, dir)?;
    staging.write(files);
    staging.finish()?.place()
}

/// Files under `dir` named like an artifact of this bundle (e.g. `<old-workload>/task-definition.json`)
/// that the bundle does not contain: left over from an earlier run. Other files are not ours.
/// Symbolic links are not followed, so the walk sees every real entry once.
pub fn stale_files(files: &BTreeSet<&str>, dir: &Path) -> Vec<PathBuf> {
    let names: BTreeSet<&str> = files.iter().filter_map(|k| k.rsplit('/').next()).collect();
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
                if names.contains(name) && !files.contains(rel_s.as_str()) {
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

    #[test]
    fn preflight_sees_links_and_files_in_the_way_past_directories_it_already_checked() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("out");
        // A directory that does not exist yet: only the form of the paths counts.
        preflight(&dir, ["a/x.yaml", "b/y.yaml"]).unwrap();
        assert!(preflight(&dir, ["a/../x.yaml"]).is_err());
        std::fs::create_dir_all(dir.join("a/deep")).unwrap();
        std::fs::write(dir.join("f"), "x").unwrap();
        std::os::unix::fs::symlink(t.path(), dir.join("link")).unwrap();
        preflight(
            &dir,
            ["a/x.yaml", "a/deep/y.yaml", "new/z.yaml", "new/w.yaml"],
        )
        .unwrap();
        let e = preflight(&dir, ["a/x.yaml", "a/y.yaml", "link/z.yaml"]).unwrap_err();
        assert!(e.contains("symbolic link") && e.contains("link"), "{e}");
        let e = preflight(&dir, ["a/x.yaml", "f/z.yaml"]).unwrap_err();
        assert!(e.contains("is not a directory"), "{e}");
        let e = preflight(&dir, ["a/deep/y.yaml", "a/deep"]).unwrap_err();
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
