//! Helpers for running the real `score-x` binary in a scratch directory.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_score-x"))
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn examples() -> PathBuf {
    repo().join("examples")
}

pub fn estate_files() -> Vec<PathBuf> {
    ["api", "web", "worker"]
        .iter()
        .map(|w| examples().join(format!("estate/{w}.score.yaml")))
        .collect()
}

/// Run score-x with `args` in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn run_paths(cwd: &Path, args: &[&str], files: &[PathBuf]) -> Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    run_in(cwd, &refs)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// True when running under CI, where missing validators are failures.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Skip (print a notice) locally, fail in CI, when a tool is missing.
pub fn require_tool(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    assert!(!in_ci(), "{what} is required in CI");
    eprintln!("notice: skipping: {what} is not installed");
    false
}
