//! A [`CommandRunner`] for tests that really spawns the program (no PATH lookup beyond std's, no
//! timeout), counting invocations. Shared as a file by this crate's unit tests and the workspace's
//! provisioning golden tests; the library itself spawns nothing.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{CommandOutput, CommandRunner};

/// Spawns each command, feeding it its input; `calls` counts the invocations.
#[derive(Default)]
pub struct SpawnRunner {
    pub calls: AtomicUsize,
}

impl CommandRunner for SpawnRunner {
    fn run(
        &self,
        program: &str,
        args: &[String],
        stdin: &[u8],
        _timeout: Duration,
    ) -> Result<CommandOutput, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // A command may exit without reading its input.
        if let Err(e) = child.stdin.take().ok_or("no stdin")?.write_all(stdin)
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.to_string());
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        Ok(CommandOutput {
            status: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}
