//! The fetched files of each remote source under
//! `<state-dir>/cache/provisioners/<sha256 of the source>/` (git-ignored), the fallback when a
//! later fetch fails.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::local;
use super::pin::FetchedFile;
use super::reference::ProvisionerSource;
use crate::fsio;

pub fn dir(state_dir: &Path, source: &ProvisionerSource) -> PathBuf {
    let key = hex::encode(Sha256::digest(source.to_string().as_bytes()));
    state_dir.join("cache").join("provisioners").join(key)
}

/// Replace the cached files of `source` with `files`.
pub fn write(
    state_dir: &Path,
    source: &ProvisionerSource,
    files: &[FetchedFile],
) -> Result<(), String> {
    let d = dir(state_dir, source);
    let reason = |e: std::io::Error| {
        format!(
            "cannot write the cache `{}`: {}",
            d.display(),
            fsio::io_reason(&e)
        )
    };
    if d.exists() {
        std::fs::remove_dir_all(&d).map_err(reason)?;
    }
    std::fs::create_dir_all(&d).map_err(reason)?;
    for f in files {
        fsio::write_atomic(&d.join(&f.name), &f.bytes, fsio::Access::Public)?;
    }
    Ok(())
}

/// The cached files of `source`, if any.
pub fn read(state_dir: &Path, source: &ProvisionerSource) -> Option<Vec<FetchedFile>> {
    let d = dir(state_dir, source);
    if !d.is_dir() {
        return None;
    }
    local::read(&d).ok().filter(|f| !f.is_empty())
}
