//! Provisioner files from anywhere (`--provisioners SRC`): local files and directories, HTTP(S),
//! git and OCI sources; remote content cached under `<state-dir>/cache/provisioners/` and its
//! digest pinned in `<state-dir>/provisioners.lock.yaml`.

mod cache;
mod git;
mod http;
mod local;
mod oci;
mod pin;
mod reference;

use std::path::Path;

pub use pin::{ContentDigest, FetchedFile, LockFile, lock_path};
pub use reference::ProvisionerSource;

use crate::cli::ProvisionerArgs;
use crate::printer::Printer;

/// Whether loading may write the cache and the lock file (`validate` and `provisioners list`
/// write nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Record,
    ReadOnly,
}

/// A user provisioner file ready to load.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// What diagnostics call it: the path, the URL, or `SOURCE#file.yaml`.
    pub name: String,
    /// Its plain file name (what `init` copies it as).
    pub file_name: String,
    pub text: String,
}

/// The `--provisioners` files in order, and whether the target's defaults follow them.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub files: Vec<LoadedFile>,
    pub defaults: bool,
}

/// Fetch (or read) every source of `args` in order, checking remote content against its pin.
pub fn load(
    printer: &Printer,
    args: &ProvisionerArgs,
    state_dir: &Path,
    mode: Mode,
) -> Result<Loaded, String> {
    let mut lock = if args.sources.iter().any(is_remote) {
        LockFile::load(state_dir)?
    } else {
        LockFile::default()
    };
    let before = lock.clone();
    let mut files = Vec::new();
    for source in &args.sources {
        let fetched = match source {
            ProvisionerSource::Local(p) => read_local(p)?,
            _ => remote(
                printer,
                source,
                state_dir,
                &mut lock,
                args.update_provisioners,
                mode,
            )?,
        };
        files.extend(named(source, fetched)?);
    }
    if mode == Mode::Record && lock != before {
        lock.version = 1;
        lock.save(state_dir)?;
    }
    Ok(Loaded {
        files,
        defaults: !args.no_default_provisioners,
    })
}

fn is_remote(s: &ProvisionerSource) -> bool {
    !matches!(s, ProvisionerSource::Local(_))
}

fn read_local(p: &Path) -> Result<Vec<(String, FetchedFile)>, String> {
    let files = local::read(p).map_err(|e| match e {
        local::ReadError::Missing => format!(
            "cannot read `{}`: no such file or directory\n  hint: --provisioners takes a file, a directory, or a URL (https://, git+https://, git+file://, oci://)",
            p.display()
        ),
        local::ReadError::Other(m) => m,
    })?;
    let dir = p.is_dir();
    Ok(files
        .into_iter()
        .map(|f| {
            let name = if dir {
                p.join(&f.name)
            } else {
                p.to_path_buf()
            };
            (name.display().to_string(), f)
        })
        .collect())
}

/// Fetch a remote source; compare with its pin; record cache and pin; fall back to the cache
/// (with a warning) when the fetch fails and the cache still matches the pin.
fn remote(
    printer: &Printer,
    source: &ProvisionerSource,
    state_dir: &Path,
    lock: &mut LockFile,
    update: bool,
    mode: Mode,
) -> Result<Vec<(String, FetchedFile)>, String> {
    let key = source.to_string();
    let pinned = lock.sources.get(&key).cloned();
    let files = match fetch(source) {
        Ok(files) => files,
        Err(reason) => {
            let cached = cache::read(state_dir, source);
            return match (cached, &pinned) {
                (Some(files), Some(pin)) if ContentDigest::of(&files) == *pin => {
                    printer.err(&format!(
                        "warning: cannot fetch provisioners from `{key}` ({reason}); using the cached copy, which matches the pin {pin}"
                    ));
                    Ok(label(source, files))
                }
                _ => Err(format!(
                    "cannot fetch provisioners from `{key}`: {reason}\n  hint: check the address and that the server is reachable; {}",
                    if pinned.is_some() {
                        "the cache holds no copy matching the pin"
                    } else {
                        "nothing is cached for this source yet"
                    }
                )),
            };
        }
    };
    if files.is_empty() {
        return Err(format!(
            "`{key}` holds no provisioner file (*.yaml or *.yml)\n  hint: point at a provisioner file or a directory of them"
        ));
    }
    let digest = ContentDigest::of(&files);
    match &pinned {
        Some(pin) if *pin != digest && !update => {
            return Err(format!(
                "the provisioners from `{key}` changed: pinned {pin} in {}, fetched {digest}\n  hint: review the change, then run again with --update-provisioners to pin the new content",
                lock_path(state_dir).display()
            ));
        }
        _ => {}
    }
    if mode == Mode::Record {
        cache::write(state_dir, source, &files)?;
        if pinned.as_ref() != Some(&digest) {
            if pinned.is_some() {
                printer.err(&format!("note: re-pinned `{key}`: {digest}"));
            }
            lock.sources.insert(key, digest);
        }
    }
    Ok(label(source, files))
}

fn fetch(source: &ProvisionerSource) -> Result<Vec<FetchedFile>, String> {
    match source {
        ProvisionerSource::Local(p) => {
            local::read(p).map_err(|_| format!("cannot read `{}`", p.display()))
        }
        ProvisionerSource::Http(u) => http::fetch(u),
        ProvisionerSource::Git(g) => git::fetch(g),
        ProvisionerSource::Oci(o) => oci::fetch(o),
    }
}

/// Diagnostic names: the source itself when it names one file, else `SOURCE#file.yaml`.
fn label(source: &ProvisionerSource, files: Vec<FetchedFile>) -> Vec<(String, FetchedFile)> {
    let key = source.to_string();
    let one = match source {
        ProvisionerSource::Http(_) => true,
        ProvisionerSource::Oci(o) => o.file.is_some(),
        ProvisionerSource::Git(g) => {
            reference::valid_file_name(g.path.rsplit('/').next().unwrap_or_default())
        }
        ProvisionerSource::Local(_) => false,
    };
    files
        .into_iter()
        .map(|f| {
            let name = if one {
                key.clone()
            } else {
                format!("{key}#{}", f.name)
            };
            (name, f)
        })
        .collect()
}

fn named(
    source: &ProvisionerSource,
    files: Vec<(String, FetchedFile)>,
) -> Result<Vec<LoadedFile>, String> {
    files
        .into_iter()
        .map(|(name, f)| {
            let text = String::from_utf8(f.bytes).map_err(|_| {
                format!("`{name}` (from `{source}`) is not UTF-8 text\n  hint: provisioner files are YAML")
            })?;
            Ok(LoadedFile { name, file_name: f.name, text })
        })
        .collect()
}
