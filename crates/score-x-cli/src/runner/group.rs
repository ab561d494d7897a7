//! The process group of a provisioner command: the command leads a group of its own, so that
//! everything it starts (and does not move to another session) can be killed with it.

use std::process::{Child, Command};

/// Make the command the leader of a new process group (its pid is the group id).
#[cfg(unix)]
pub fn own_group(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    command.process_group(0);
}

#[cfg(not(unix))]
pub fn own_group(_command: &mut Command) {}

/// The process group a child leads.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    #[cfg(unix)]
    pid: rustix::process::Pid,
}

impl Group {
    #[cfg(unix)]
    pub fn of(child: &Child) -> Group {
        Group {
            pid: rustix::process::Pid::from_child(child),
        }
    }

    #[cfg(not(unix))]
    pub fn of(_child: &Child) -> Group {
        Group {}
    }

    /// SIGKILL every process of the group (nothing when it is already gone).
    #[cfg(unix)]
    pub fn kill(self) {
        // ESRCH: no process left in the group, which is the goal.
        let _ = rustix::process::kill_process_group(self.pid, rustix::process::Signal::KILL);
    }

    /// Without process groups only the direct child is killed (by the caller).
    #[cfg(not(unix))]
    pub fn kill(self) {}
}
