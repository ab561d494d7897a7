//! The [`FileReader`] behind `files.*.source`: only regular files, at most 1 MiB, and only inside
//! the project (the score file's directory or the working directory, symlinks resolved) unless
//! `--allow-outside-sources` is given. FIFOs, devices and kernel pseudo-files (`/proc`, `/sys`)
//! are refused; a file is opened without blocking, so a FIFO cannot hang the run.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use score_x_spec::FileReader;

/// The largest `files.*.source` read: 1 MiB.
pub const MAX_SOURCE_BYTES: u64 = 1 << 20;

/// Reads `files.*.source` relative to the directory of the Score file that names it.
pub struct SourceReader {
    /// The working directory, resolved (`None` when it cannot be).
    cwd: Option<PathBuf>,
    allow_outside: bool,
    max_bytes: u64,
}

impl SourceReader {
    /// A reader contained in the project unless `allow_outside`.
    pub fn new(allow_outside: bool) -> SourceReader {
        SourceReader {
            cwd: std::env::current_dir().and_then(|d| d.canonicalize()).ok(),
            allow_outside,
            max_bytes: MAX_SOURCE_BYTES,
        }
    }

    /// The project directories a source may be in: the score file's directory and the working
    /// directory, both resolved.
    fn roots(&self, score_dir: &Path) -> Vec<PathBuf> {
        let dir = if score_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            score_dir
        };
        let mut roots: Vec<PathBuf> = dir.canonicalize().ok().into_iter().collect();
        if let Some(cwd) = &self.cwd
            && !roots.contains(cwd)
        {
            roots.push(cwd.clone());
        }
        roots
    }

    fn contained(&self, score_dir: &Path, shown: &str, real: &Path) -> Result<(), String> {
        let roots = self.roots(score_dir);
        if self.allow_outside || roots.iter().any(|r| real.starts_with(r)) {
            return Ok(());
        }
        let via = if Path::new(shown) == real {
            String::new()
        } else {
            format!(" (it resolves to `{}`)", real.display())
        };
        let roots: Vec<String> = roots.iter().map(|r| format!("`{}`", r.display())).collect();
        Err(format!(
            "`{shown}` is outside the project{via}; sources must be inside {} (pass --allow-outside-sources to read it anyway)",
            roots.join(" or ")
        ))
    }
}

/// Refused whatever the flags: kernel pseudo-files and devices, by where they live.
fn special_tree(real: &Path) -> Option<&'static str> {
    [
        ("/proc", "a /proc file"),
        ("/sys", "a /sys file"),
        ("/dev", "a device"),
    ]
    .into_iter()
    .find(|(root, _)| real.starts_with(root))
    .map(|(_, what)| what)
}

/// Open `path` for reading without blocking on a FIFO or a device.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    o.open(path)
}

/// What kind of non-regular file `t` is.
fn kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// A kernel pseudo-file system (procfs, sysfs …) reports sizes that are not its contents.
#[cfg(target_os = "linux")]
fn on_pseudo_fs(f: &File) -> bool {
    // statfs(2) magic numbers of proc, sysfs, debugfs, tracefs, securityfs, cgroup, cgroup2.
    const PSEUDO: [u64; 7] = [
        0x9fa0,
        0x6265_6572,
        0x6462_6720,
        0x7472_6163,
        0x7363_6673,
        0x0027_e0eb,
        0x6367_7270,
    ];
    rustix::fs::fstatfs(f).is_ok_and(|s| {
        #[allow(clippy::unnecessary_cast)]
        let t = s.f_type as u64;
        PSEUDO.contains(&t)
    })
}

#[cfg(not(target_os = "linux"))]
fn on_pseudo_fs(_f: &File) -> bool {
    false
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

impl FileReader for SourceReader {
    fn read(&self, score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        let score_dir = Path::new(score_file).parent().unwrap_or(Path::new(""));
        let full = score_dir.join(path);
        let shown = full.display().to_string();
        let real = full
            .canonicalize()
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        if let Some(what) = special_tree(&real) {
            return Err(format!(
                "`{shown}` is {what}; a source must be a regular file"
            ));
        }
        self.contained(score_dir, &shown, &real)?;
        let file = open_nonblocking(&real)
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        if !meta.file_type().is_file() {
            let what = kind(meta.file_type());
            return Err(format!(
                "`{shown}` is {what}; a source must be a regular file"
            ));
        }
        if on_pseudo_fs(&file) {
            return Err(format!(
                "`{shown}` is a kernel pseudo-file; a source must be a regular file"
            ));
        }
        let too_large = || {
            format!(
                "`{shown}` is larger than {}, the limit for a source (mount large files with a volume instead)",
                crate::runner::human_size(usize::try_from(self.max_bytes).unwrap_or(usize::MAX))
            )
        };
        if meta.len() > self.max_bytes {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        file.take(self.max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project dir `p` (the score file `p/score.yaml`) and an outside dir `o` with `secret`.
    fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("p");
        let o = t.path().join("o");
        std::fs::create_dir_all(p.join("conf")).unwrap();
        std::fs::create_dir_all(&o).unwrap();
        std::fs::write(p.join("conf/app.conf"), "x=1\n").unwrap();
        std::fs::write(o.join("secret"), "s3cret").unwrap();
        (t, p, o)
    }

    /// A reader whose working directory is `cwd` (not the test process's).
    fn reader(cwd: &Path, allow_outside: bool) -> SourceReader {
        SourceReader {
            cwd: cwd.canonicalize().ok(),
            allow_outside,
            max_bytes: MAX_SOURCE_BYTES,
        }
    }

    fn score(p: &Path) -> String {
        p.join("score.yaml").display().to_string()
    }

    #[test]
    fn reads_a_file_inside_the_project() {
        let (_t, p, _) = project();
        let r = reader(&p, false);
        assert_eq!(r.read(&score(&p), "conf/app.conf").unwrap(), b"x=1\n");
        assert_eq!(
            r.read(&score(&p), "./conf/../conf/app.conf").unwrap(),
            b"x=1\n"
        );
    }

    #[test]
    fn refuses_paths_out_of_the_project() {
        let (_t, p, o) = project();
        let r = reader(&p, false);
        let e = r.read(&score(&p), "../o/secret").unwrap_err();
        assert!(e.contains("is outside the project"), "{e}");
        assert!(e.contains("--allow-outside-sources"), "{e}");
        let abs = o.join("secret").display().to_string();
        let e = r.read(&score(&p), &abs).unwrap_err();
        assert!(e.contains("is outside the project"), "{e}");
        assert_eq!(reader(&p, true).read(&score(&p), &abs).unwrap(), b"s3cret");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink_out_of_the_project() {
        let (_t, p, o) = project();
        std::os::unix::fs::symlink(o.join("secret"), p.join("link")).unwrap();
        let e = reader(&p, false).read(&score(&p), "link").unwrap_err();
        assert!(e.contains("outside the project (it resolves to"), "{e}");
        // A symlink that stays inside is fine.
        std::os::unix::fs::symlink(p.join("conf/app.conf"), p.join("in")).unwrap();
        assert_eq!(reader(&p, false).read(&score(&p), "in").unwrap(), b"x=1\n");
    }

    #[test]
    fn the_working_directory_is_part_of_the_project() {
        let (t, p, _) = project();
        // Score file in p/, run from the parent: ../o is inside the working directory.
        let r = reader(t.path(), false);
        assert_eq!(r.read(&score(&p), "../o/secret").unwrap(), b"s3cret");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn refuses_special_files_even_when_outside_is_allowed() {
        let (_t, p, _) = project();
        let r = reader(&p, true);
        for (path, what) in [
            ("/proc/self/environ", "a /proc file"),
            ("/dev/zero", "a device"),
            ("/sys/kernel/mm/transparent_hugepage/enabled", "a /sys file"),
        ] {
            if Path::new(path).exists() {
                let e = r.read(&score(&p), path).unwrap_err();
                assert!(e.contains(what), "{path}: {e}");
            }
        }
        let e = r.read(&score(&p), "conf").unwrap_err();
        assert!(e.contains("is a directory"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_fifo_without_blocking() {
        let (_t, p, _) = project();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            p.join("fifo"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let e = reader(&p, false).read(&score(&p), "fifo").unwrap_err();
        assert!(e.contains("is a FIFO"), "{e}");
    }

    #[test]
    fn bounds_the_size() {
        let (_t, p, _) = project();
        let big = vec![b'a'; (MAX_SOURCE_BYTES + 1) as usize];
        std::fs::write(p.join("big"), big).unwrap();
        let e = reader(&p, false).read(&score(&p), "big").unwrap_err();
        assert!(e.contains("larger than 1 MiB"), "{e}");
        let max = vec![b'a'; MAX_SOURCE_BYTES as usize];
        std::fs::write(p.join("max"), max).unwrap();
        assert!(reader(&p, false).read(&score(&p), "max").is_ok());
    }

    #[test]
    fn a_missing_file_says_so() {
        let (_t, p, _) = project();
        let e = reader(&p, false).read(&score(&p), "nope").unwrap_err();
        assert!(e.contains("no such file"), "{e}");
    }
}
