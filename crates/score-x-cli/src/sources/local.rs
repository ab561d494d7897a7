//! Provisioner files on disk: one file, or every `*.yaml`/`*.yml` of a directory (sorted, not
//! recursive). Used for local sources, git checkouts and the cache.

use std::path::Path;

use super::pin::FetchedFile;
use super::reference::valid_file_name;

/// The most files one source may hold.
pub const MAX_FILES: usize = 256;
/// The most bytes one file may have (the YAML reader's own bound).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

pub enum ReadError {
    /// The path does not exist.
    Missing,
    Other(String),
}

/// The files at `path`, named by their file names, sorted.
pub fn read(path: &Path) -> Result<Vec<FetchedFile>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Other(format!(
            "cannot read `{}`: {}",
            path.display(),
            crate::fsio::io_reason(&e)
        )),
    })?;
    let paths = if meta.is_dir() {
        yaml_files(path).map_err(ReadError::Other)?
    } else {
        vec![path.to_path_buf()]
    };
    paths
        .iter()
        .map(|p| {
            let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            if len > MAX_FILE_BYTES {
                return Err(ReadError::Other(format!(
                    "`{}` has {len} bytes, more than {MAX_FILE_BYTES}",
                    p.display()
                )));
            }
            let bytes = std::fs::read(p).map_err(|e| {
                ReadError::Other(format!(
                    "cannot read `{}`: {}",
                    p.display(),
                    crate::fsio::io_reason(&e)
                ))
            })?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(FetchedFile { name, bytes })
        })
        .collect()
}

/// The `*.yaml`/`*.yml` files directly in `dir`, sorted; at most [`MAX_FILES`].
pub fn yaml_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            format!(
                "cannot list `{}`: {}",
                dir.display(),
                crate::fsio::io_reason(&e)
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| valid_file_name(&n.to_string_lossy()))
        })
        .collect();
    files.sort();
    if files.len() > MAX_FILES {
        return Err(format!(
            "`{}` holds {} provisioner files, more than {MAX_FILES}",
            dir.display(),
            files.len()
        ));
    }
    Ok(files)
}
