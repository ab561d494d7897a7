//! Git references fetched with the `git` CLI into a temporary directory: a shallow clone of a
//! branch or tag, or a fetch of one commit; then the named file or directory is read.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use super::local;
use super::pin::FetchedFile;
use super::reference::GitRef;

/// One git command may run this long before it is stopped.
const TIMEOUT: Duration = Duration::from_secs(120);

pub fn fetch(r: &GitRef) -> Result<Vec<FetchedFile>, String> {
    let tmp =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let work = tmp.path().join("repo");
    if r.rev_is_commit() {
        fetch_commit(r, &work)?;
    } else {
        let mut args = vec!["clone", "--quiet", "--depth", "1"];
        if let Some(rev) = &r.rev {
            args.extend(["--branch", rev.as_str()]);
        }
        let dest = work.to_string_lossy().into_owned();
        args.extend(["--", r.repo.as_str(), dest.as_str()]);
        git(tmp.path(), &args)?;
    }
    let target = work.join(&r.path);
    let files = local::read(&target).map_err(|e| match e {
        local::ReadError::Missing => format!(
            "`{}` does not exist in {} at {}",
            if r.path.is_empty() { "." } else { &r.path },
            r.repo,
            r.rev.as_deref().unwrap_or("the default branch")
        ),
        local::ReadError::Other(m) => m,
    })?;
    Ok(files)
}

/// `git init` + `git fetch --depth 1 origin <commit>` + checkout; a full fetch when the server
/// does not serve a commit by id.
fn fetch_commit(r: &GitRef, work: &Path) -> Result<(), String> {
    let rev = r.rev.as_deref().unwrap_or("HEAD");
    std::fs::create_dir_all(work)
        .map_err(|e| format!("cannot create `{}`: {e}", work.display()))?;
    git(work, &["init", "--quiet"])?;
    git(work, &["remote", "add", "origin", r.repo.as_str()])?;
    if git(work, &["fetch", "--quiet", "--depth", "1", "origin", rev]).is_ok() {
        return git(work, &["checkout", "--quiet", "FETCH_HEAD"]);
    }
    git(work, &["fetch", "--quiet", "--tags", "origin"])?;
    git(work, &["checkout", "--quiet", rev])
}

/// Run `git args` in `dir`, never prompting, stopped after [`TIMEOUT`].
fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run `git` ({e})\n  hint: install git to use git+ provisioner sources")
        })?;
    // Read stderr on a thread so a chatty git never blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        if let Some(mut e) = stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        err
    });
    let status = match child.wait_timeout(TIMEOUT).map_err(|e| e.to_string())? {
        Some(s) => s,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`git {}` took longer than {}s and was stopped",
                args.join(" "),
                TIMEOUT.as_secs()
            ));
        }
    };
    let err = reader.join().unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(format!("`git {}` failed: {}", args.join(" "), err.trim()))
    }
}
