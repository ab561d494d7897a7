//! Golden cases: every `tests/cases/NN-topic/` is translated by the real binary for each target its
//! `case.toml` names; the files (and the warnings said on stderr) must equal `expected/<target>/`
//! byte for byte, and every expected artifact must pass the target's real validator.
//! `BLESS=1 cargo test -p score-x-cli --test cases` rewrites the expected files.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    /// Score files, relative to the case directory.
    files: Vec<String>,
    targets: BTreeMap<String, TargetCase>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetCase {
    /// Extra arguments (paths relative to the case directory).
    #[serde(default)]
    args: Vec<String>,
}

/// A fixed seed so generated secrets, and therefore the golden files, are reproducible.
const SEED: &str = "5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e5c0e";

fn cases_dir() -> PathBuf {
    repo().join("tests/cases")
}

fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Run one case for one target; return the produced files (artifacts plus `warnings.txt`).
fn produce(
    case_dir: &Path,
    case: &Case,
    target: &str,
    tc: &TargetCase,
) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let state_dir = tmp.path().join("state");
    std::fs::create_dir_all(&state_dir).unwrap();
    std::fs::write(state_dir.join("seed"), SEED).unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(bin())
        .current_dir(case_dir)
        .env("NO_COLOR", "1")
        .args(["translate", "--target", target, "-o"])
        .arg(&out)
        .arg("--state-dir")
        .arg(&state_dir)
        .args(&tc.args)
        .args(&case.files)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        code(&o),
        0,
        "case {} ({target}) failed:\n{stderr}",
        case_dir.display()
    );
    let mut files = files_under(&out);
    let said: String = stderr
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .map(|l| format!("{l}\n"))
        .collect();
    files.insert("warnings.txt".into(), said.into_bytes());
    files
}

/// Run the target's real validator on the expected artifacts (shared with the workspace tests).
fn validate(target: &str, dir: &Path) {
    use score_x_tests::validators::Validator;
    let (validator, arg) = match target {
        "kubernetes" => (Validator::Kubernetes, dir.join("manifests.yaml")),
        "ecs" => (Validator::Ecs, dir.to_path_buf()),
        _ => return,
    };
    if !validator.available() {
        return;
    }
    if let Err(report) = validator.run(&[&arg]) {
        panic!(
            "{validator:?} validator rejected {}:\n{report}",
            arg.display()
        );
    }
}

#[test]
fn golden_cases() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let mut failures = Vec::new();
    for dir in &dirs {
        let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{}/case.toml: {e}", dir.display()));
        for (target, tc) in &case.targets {
            let got = produce(dir, &case, target, tc);
            let expected_dir = dir.join("expected").join(target);
            if bless {
                let _ = std::fs::remove_dir_all(&expected_dir);
                for (rel, bytes) in &got {
                    let p = expected_dir.join(rel);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, bytes).unwrap();
                }
            }
            let want = files_under(&expected_dir);
            if want != got {
                let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
                let mut msg = format!("{} ({target}): output differs from expected", dir.display());
                if names(&want) != names(&got) {
                    msg.push_str(&format!(
                        "\n  expected files {:?}\n  produced files {:?}",
                        names(&want),
                        names(&got)
                    ));
                }
                for (rel, bytes) in &got {
                    if let Some(w) = want.get(rel)
                        && w != bytes
                    {
                        let diff = similar::TextDiff::from_lines(
                            std::str::from_utf8(w).unwrap_or(""),
                            std::str::from_utf8(bytes).unwrap_or(""),
                        );
                        msg.push_str(&format!(
                            "\n{}",
                            diff.unified_diff().context_radius(2).header(rel, rel)
                        ));
                    }
                }
                failures.push(msg);
                continue;
            }
            validate(target, &expected_dir);
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run with BLESS=1 to accept)",
        failures.join("\n\n")
    );
}
