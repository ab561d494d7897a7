//! The real process runner for `cmd://` provisioners: PATH lookup, `~/` expansion, stdin/stdout/
//! stderr through pipes (read on threads so large outputs cannot deadlock), kill on timeout.
//! Only the direct child is killed on timeout; a provisioner that forks must clean up itself.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use score_x_provision::{CommandOutput, CommandRunner};
use wait_timeout::ChildExt;

/// Runs provisioner commands as child processes of score-x.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessRunner;

/// Find `program`: a name without `/` is looked up on `PATH`; `~/x` is relative to `HOME`;
/// anything else is a path used as is (relative to the working directory).
pub fn resolve_program(
    program: &str,
    path_var: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, String> {
    if program.is_empty() {
        return Err("empty program name".into());
    }
    if let Some(rest) = program.strip_prefix("~/") {
        let home = home
            .filter(|h| !h.is_empty())
            .ok_or("`~` used but HOME is not set")?;
        return Ok(Path::new(&home).join(rest));
    }
    if program.contains('/') {
        return Ok(PathBuf::from(program));
    }
    let path_var = path_var.unwrap_or_default();
    for dir in std::env::split_paths(&path_var) {
        let candidate = dir.join(program);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(format!("`{program}` was not found on PATH"))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// A pipe read to the end on a thread; what was read so far is available at any time.
struct Pipe {
    buf: Arc<Mutex<Vec<u8>>>,
    done: Receiver<()>,
}

impl Pipe {
    fn spawn<R: Read + Send + 'static>(r: Option<R>) -> Pipe {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let sink = buf.clone();
        std::thread::spawn(move || {
            if let Some(mut r) = r {
                let mut chunk = [0u8; 8192];
                // A read error ends the stream; the exit status tells the rest.
                while let Ok(n) = r.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend_from_slice(&chunk[..n]);
                }
            }
            let _ = tx.send(());
        });
        Pipe { buf, done }
    }

    /// Wait for the end of the stream (at most `limit` when given), then take the bytes.
    fn take(self, limit: Option<Duration>) -> Vec<u8> {
        let _ = match limit {
            Some(d) => self.done.recv_timeout(d).map_err(|_| ()),
            None => self.done.recv().map_err(|_| ()),
        };
        std::mem::take(&mut *self.buf.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl CommandRunner for ProcessRunner {
    fn run(
        &self,
        program: &str,
        args: &[String],
        stdin: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, String> {
        let resolved =
            resolve_program(program, std::env::var_os("PATH"), std::env::var_os("HOME"))?;
        let mut child = Command::new(&resolved)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", resolved.display()))?;
        let input = stdin.to_vec();
        let mut pipe = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(p) = pipe.as_mut() {
                // The command may exit without reading its input (broken pipe): not an error.
                let _ = p.write_all(&input);
            }
            drop(pipe);
        });
        let out = Pipe::spawn(child.stdout.take());
        let err = Pipe::spawn(child.stderr.take());
        let status = match child
            .wait_timeout(timeout)
            .map_err(|e| format!("waiting for `{}` failed: {e}", resolved.display()))?
        {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                // A grandchild may still hold the pipes open: wait only briefly for stderr.
                let stderr = err.take(Some(Duration::from_secs(1)));
                let stderr = String::from_utf8_lossy(&stderr);
                let stderr = stderr.trim();
                return Err(if stderr.is_empty() {
                    format!("timed out after {}s and was killed", timeout.as_secs_f64())
                } else {
                    format!(
                        "timed out after {}s and was killed; stderr:\n{stderr}",
                        timeout.as_secs_f64()
                    )
                });
            }
        };
        let _ = writer.join();
        let stdout = out.take(None);
        let stderr = err.take(None);
        Ok(CommandOutput {
            status: status.code(),
            stdout,
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_rules() {
        let path = Some(OsString::from("/nonexistent:/bin:/usr/bin"));
        let sh = resolve_program("sh", path.clone(), None).unwrap();
        assert!(sh.ends_with("sh") && sh.is_absolute());
        assert!(
            resolve_program("definitely-not-a-program-xyz", path.clone(), None)
                .unwrap_err()
                .contains("not found on PATH")
        );
        assert_eq!(
            resolve_program("./x.sh", path.clone(), None).unwrap(),
            PathBuf::from("./x.sh")
        );
        assert_eq!(
            resolve_program("~/bin/p", None, Some(OsString::from("/home/u"))).unwrap(),
            PathBuf::from("/home/u/bin/p")
        );
        assert!(resolve_program("~/bin/p", None, None).is_err());
    }

    #[test]
    fn runs_with_stdin_and_captures_output() {
        let out = ProcessRunner
            .run(
                "sh",
                &["-c".into(), "cat; echo err >&2; exit 4".into()],
                b"hello",
                Duration::from_secs(20),
            )
            .unwrap();
        assert_eq!(out.status, Some(4));
        assert_eq!(out.stdout, b"hello");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn large_output_does_not_deadlock_and_unread_stdin_is_fine() {
        let big = vec![b'x'; 1 << 20];
        let out = ProcessRunner
            .run(
                "sh",
                &[
                    "-c".into(),
                    "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2".into(),
                ],
                &big,
                Duration::from_secs(60),
            )
            .unwrap();
        assert_eq!(out.status, Some(0));
        assert_eq!((out.stdout.len(), out.stderr.len()), (300_000, 300_000));
    }

    #[test]
    fn timeout_kills() {
        let e = ProcessRunner
            .run(
                "sh",
                &[
                    "-c".into(),
                    "echo started >&2; sleep 30 & exec sleep 30".into(),
                ],
                b"",
                Duration::from_millis(300),
            )
            .unwrap_err();
        assert!(e.contains("timed out") && e.contains("started"), "{e}");
    }
}
