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

/// The seed the hybrid tests pin (`SCORE_X_SEED`), so generated credentials are known.
pub const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A scratch directory holding `files` (relative paths, parents created).
pub fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Run score-x with `args` in `cwd`, without colour and with the pinned [`SEED`].
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("SCORE_X_SEED", SEED)
        .output()
        .unwrap()
}

/// The example ECS target options file.
pub fn ecs_options() -> String {
    examples().join("ecs-options.yaml").display().to_string()
}

/// Every file under `dir`, relative, with its bytes, sorted.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}
