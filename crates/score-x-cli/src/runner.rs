//! The real process runner for `cmd://` provisioners: PATH lookup, `~/` expansion, stdin/stdout/
//! stderr through pipes (read on threads so large outputs cannot deadlock), each command in its
//! own process group (killed as a whole on exit, timeout or too much output), stdout bounded
//! (4 MiB unless `SCORE_X_CMD_MAX_OUTPUT` says otherwise), the end of stderr kept.

mod capture;
mod group;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use score_x_provision::{CommandOutput, CommandRunner};
use wait_timeout::ChildExt;

use capture::{Bound, Capture, Captured};

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

/// Processes a provisioner leaves behind are killed when it exits; its pipes are then read for at
/// most this long more (a process that left the group may still hold them open).
const GRACE: Duration = Duration::from_secs(2);

/// The bound on a command's stdout when `SCORE_X_CMD_MAX_OUTPUT` is not set: 4 MiB.
pub const DEFAULT_MAX_STDOUT: usize = 4 << 20;

/// How much of a command's stderr is kept (the end of it): 64 KiB.
pub const MAX_STDERR: usize = 64 << 10;

/// The variable that sets the bound on a command's stdout.
pub const MAX_OUTPUT_VAR: &str = "SCORE_X_CMD_MAX_OUTPUT";

/// A byte size: a number with an optional `KiB`, `MiB` or `GiB` suffix (or `K`, `M`, `G`).
pub fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits);
    let n: usize = n.parse().ok()?;
    let shift = match unit.trim() {
        "" | "B" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

/// The stdout bound: `SCORE_X_CMD_MAX_OUTPUT` when set (and valid), else 4 MiB.
fn max_stdout(var: Option<OsString>) -> Result<usize, String> {
    let Some(v) = var else {
        return Ok(DEFAULT_MAX_STDOUT);
    };
    v.to_str()
        .and_then(parse_size)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            format!(
                "{MAX_OUTPUT_VAR}={} is not a size (write e.g. `16MiB` or a number of bytes)",
                v.to_string_lossy()
            )
        })
}

/// `n` bytes for people: `4 MiB`, `512 KiB`, `100 bytes`.
pub fn human_size(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

impl CommandRunner for ProcessRunner {
    /// Runs `program` as the leader of its own process group. The group is killed when the
    /// program exits (nothing it started outlives it), on timeout, and when stdout passes its
    /// bound; the wait never depends on a leftover process closing the pipes.
    fn run(
        &self,
        program: &str,
        args: &[String],
        stdin: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, String> {
        let max_out = max_stdout(std::env::var_os(MAX_OUTPUT_VAR))?;
        let resolved =
            resolve_program(program, std::env::var_os("PATH"), std::env::var_os("HOME"))?;
        let mut command = Command::new(&resolved);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        group::own_group(&mut command);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", resolved.display()))?;
        let group = group::Group::of(&child);
        let input = stdin.to_vec();
        let pipe = child.stdin.take();
        // Not joined: a leftover process outside the group may keep stdin from closing.
        std::thread::spawn(move || {
            if let Some(mut p) = pipe {
                // The command may exit without reading its input (broken pipe): not an error.
                let _ = p.write_all(&input);
            }
        });
        let out = Capture::spawn(child.stdout.take(), Bound::Fail(max_out), move || {
            group.kill()
        });
        let err = Capture::spawn(child.stderr.take(), Bound::Tail(MAX_STDERR), || {});
        let waited = child.wait_timeout(timeout);
        // Whatever happened, nothing of the group may outlive the command.
        group.kill();
        let status = match waited {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = match err.finish(GRACE) {
                    Captured::Complete(b) | Captured::StillOpen(b) => b,
                    Captured::TooLarge => vec![],
                };
                let secs = timeout.as_secs_f64();
                return Err(with_stderr(
                    format!("timed out after {secs}s; it and every process it started were killed"),
                    &stderr,
                ));
            }
            Err(e) => return Err(format!("waiting for `{}` failed: {e}", resolved.display())),
        };
        let stderr = match err.finish(GRACE) {
            Captured::Complete(b) | Captured::StillOpen(b) => b,
            Captured::TooLarge => vec![],
        };
        let stdout = match out.finish(GRACE) {
            Captured::Complete(b) => b,
            Captured::TooLarge => {
                return Err(with_stderr(
                    format!(
                        "printed more than {} on stdout and was killed (the limit; set {MAX_OUTPUT_VAR}, e.g. `{MAX_OUTPUT_VAR}=16MiB`, to raise it)",
                        human_size(max_out)
                    ),
                    &stderr,
                ));
            }
            Captured::StillOpen(_) => {
                return Err(format!(
                    "exited, but a process it started outside its process group (a daemon) still holds its stdout open {}s later; score-x stopped waiting (a provisioner must not leave processes behind)",
                    GRACE.as_secs()
                ));
            }
        };
        Ok(CommandOutput {
            status: status.code(),
            stdout,
            stderr,
        })
    }
}

/// `msg`, followed by the end of stderr when there is any.
fn with_stderr(msg: String, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.is_empty() {
        msg
    } else {
        format!("{msg}; stderr:\n{text}")
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
    fn large_output_does_not_deadlock_and_unread_stdin_is_fine_stderr_keeps_its_end() {
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
        assert_eq!((out.stdout.len(), out.stderr.len()), (300_000, MAX_STDERR));
    }

    /// Live (not zombie) processes whose process group is `pgid`.
    #[cfg(target_os = "linux")]
    pub(crate) fn live_members(pgid: u32) -> Vec<u32> {
        let mut out = vec![];
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                continue;
            };
            let f: Vec<&str> = rest.split_whitespace().collect();
            if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
                out.push(pid);
            }
        }
        out
    }

    /// Run `script` with `sh -c`; `$PIDFILE` names a file for the script to write `$$` in.
    /// Returns the result, the time taken and the shell's pid (the group id).
    fn run_sh(script: &str, timeout: Duration) -> (Result<CommandOutput, String>, Duration, u32) {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = script.replace("$PIDFILE", &pidfile.display().to_string());
        let start = std::time::Instant::now();
        let r = ProcessRunner.run("sh", &["-c".into(), script], b"{}", timeout);
        let took = start.elapsed();
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (r, took, pid)
    }

    #[cfg(target_os = "linux")]
    fn assert_group_gone(pgid: u32) {
        // SIGKILL is delivered asynchronously: give the kernel a moment.
        for _ in 0..50 {
            if live_members(pgid).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("processes left in group {pgid}: {:?}", live_members(pgid));
    }

    #[cfg(not(target_os = "linux"))]
    fn assert_group_gone(_pgid: u32) {}

    #[test]
    fn timeout_kills_the_whole_group() {
        let (r, took, pgid) = run_sh(
            "echo $$ > $PIDFILE; echo started >&2; sleep 1000 & sleep 1000 & exec sleep 1000",
            Duration::from_millis(300),
        );
        let e = r.unwrap_err();
        assert!(e.contains("timed out") && e.contains("started"), "{e}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_group_gone(pgid);
    }

    #[test]
    fn a_background_child_holding_stdout_does_not_hold_the_wait() {
        let (r, took, pgid) = run_sh(
            "echo $$ > $PIDFILE; sleep 1000 & echo done",
            Duration::from_secs(60),
        );
        let out = r.unwrap();
        assert_eq!(
            (out.status, out.stdout.as_slice()),
            (Some(0), &b"done\n"[..])
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_group_gone(pgid);
    }

    #[test]
    fn a_double_fork_daemon_in_the_group_is_killed() {
        let (r, took, pgid) = run_sh(
            "echo $$ > $PIDFILE; (sleep 1000 &); (exec sleep 1000 </dev/null >/dev/null 2>&1 &); echo ok",
            Duration::from_secs(60),
        );
        assert_eq!(r.unwrap().stdout, b"ok\n");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_group_gone(pgid);
    }

    #[test]
    fn endless_output_stops_at_the_bound() {
        let (r, took, pgid) = run_sh("echo $$ > $PIDFILE; exec yes", Duration::from_secs(60));
        let e = r.unwrap_err();
        assert!(e.contains("more than 4 MiB on stdout"), "{e}");
        assert!(e.contains(MAX_OUTPUT_VAR), "{e}");
        assert!(took < Duration::from_secs(10), "{took:?}");
        assert_group_gone(pgid);
    }

    #[test]
    fn endless_stderr_is_kept_as_a_bounded_tail() {
        let (r, _, pgid) = run_sh(
            "echo $$ > $PIDFILE; yes 2>/dev/null >&2 & sleep 1; echo last >&2; exit 3",
            Duration::from_secs(60),
        );
        let out = r.unwrap();
        assert_eq!(out.status, Some(3));
        assert!(out.stderr.len() <= MAX_STDERR, "{}", out.stderr.len());
        assert_group_gone(pgid);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_daemon_in_its_own_session_does_not_hold_the_wait() {
        if resolve_program("setsid", std::env::var_os("PATH"), None).is_err() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let daemon = dir.path().join("daemon");
        let (r, took, _) = run_sh(
            &format!(
                "echo $$ > $PIDFILE; setsid sh -c 'echo $$ > {}; exec sleep 1000' & sleep 0.2; echo '{{}}'",
                daemon.display()
            ),
            Duration::from_secs(60),
        );
        // It left the group, so it cannot be killed with it: clean up by hand.
        let pid: i32 = std::fs::read_to_string(&daemon)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid).unwrap(),
            rustix::process::Signal::KILL,
        );
        let e = r.unwrap_err();
        assert!(e.contains("still holds its stdout open"), "{e}");
        assert!(took < GRACE + Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4MiB"), Some(4 << 20));
        assert_eq!(parse_size("512 KiB"), Some(512 << 10));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("4 MB"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(max_stdout(None), Ok(DEFAULT_MAX_STDOUT));
        assert_eq!(max_stdout(Some("16MiB".into())), Ok(16 << 20));
        let e = max_stdout(Some("lots".into())).unwrap_err();
        assert!(
            e.contains("SCORE_X_CMD_MAX_OUTPUT=lots is not a size"),
            "{e}"
        );
        assert!(max_stdout(Some("0".into())).is_err());
        assert_eq!(human_size(4 << 20), "4 MiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
