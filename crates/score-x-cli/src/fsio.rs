//! Filesystem helpers: reading inputs with clear errors and atomic writes.

use std::io::Write;
use std::path::Path;

/// Read a text file, with an error naming the path.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not UTF-8 text", path.display()))
}

pub fn io_reason(e: &std::io::Error) -> String {
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

/// The mode a file gets on Unix.
pub fn mode_of(access: Access) -> u32 {
    match access {
        Access::Public => 0o644,
        Access::Private => 0o600,
    }
}

/// Write `contents` to `path` atomically and durably: a temporary file in the same directory,
/// synced, renamed over `path`, then the directory synced, so a crash leaves the old file or the
/// new one, never a part. On failure the temporary file is removed.
pub fn write_atomic(path: &Path, contents: &[u8], access: Access) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in `{}`: {}", dir.display(), io_reason(&e)))?;
    let fail = |e: std::io::Error| format!("cannot write `{}`: {}", path.display(), io_reason(&e));
    tmp.write_all(contents).map_err(fail)?;
    set_mode(tmp.as_file(), access).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    sync_dir(dir).map_err(fail)
}

/// Create `path` (a new file: it must not exist) with the mode `access` says and write
/// `contents`. The mode is given at creation; it is set again only when the process's umask
/// would have taken bits from it (or the umask cannot be read without changing it).
pub fn create_with_mode(path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    create_new(path, access)?.write_all(contents)
}

/// Create `path` (a new file: it must not exist) with the mode `access` says, open for
/// writing; see [`create_with_mode`].
pub fn create_new(path: &Path, access: Access) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(mode_of(access));
    }
    let file = opts.open(path)?;
    if umask().is_none_or(|m| mode_of(access) & m != 0) {
        set_mode(&file, access)?;
    }
    Ok(file)
}

/// The process's file mode creation mask, as Linux reports it (`/proc/self/status`); `None`
/// elsewhere (reading it with `umask(2)` would change it for every thread meanwhile).
fn umask() -> Option<u32> {
    static MASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *MASK.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(line.trim(), 8).ok()
    })
}

/// Give an open file the mode `access` says (Unix only).
pub fn set_mode(file: &std::fs::File, access: Access) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(mode_of(access)))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, access);
        Ok(())
    }
}

/// Make a directory's entries (a rename into it) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
