//! Filesystem helpers: reading inputs with clear errors and atomic writes.

use std::io::Write;
use std::path::Path;

/// Read a text file, with an error naming the path.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not UTF-8 text", path.display()))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Who may read a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Artifacts and scaffolding: readable by everyone (0644 on Unix), like any generated file.
    Public,
    /// The state file, which holds the project seed: owner only (0600 on Unix).
    Private,
}

/// Write `contents` to `path` atomically (temporary file in the same directory, then rename),
/// readable as `access` says.
pub fn write_atomic(path: &Path, contents: &[u8], access: Access) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in `{}`: {e}", dir.display()))?;
    tmp.write_all(contents)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = match access {
            Access::Public => 0o644,
            Access::Private => 0o600,
        };
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("cannot set permissions of `{}`: {e}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = access;
    tmp.persist(path)
        .map_err(|e| format!("cannot write `{}`: {}", path.display(), e.error))?;
    Ok(())
}
