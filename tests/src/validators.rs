//! Running the real validators of tests/conformance/ on files written to a directory:
//! `k8s_validate.py` (Kubernetes OpenAPI models) and `ecs_validate.py` (botocore's ECS shapes and
//! cfn-lint). A missing python3 or module is a skip with a notice locally, a failure under `CI`.
//! [`assert_valid_manifests`] and [`assert_valid_bundle`] are what the conformance tests call.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use score_x_core::Bundle;

/// One of the conformance validators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// `k8s_validate.py FILE` (modules `kubernetes`, `yaml`).
    Kubernetes,
    /// `ecs_validate.py DIR` (modules `botocore`, `cfnlint`).
    Ecs,
}

impl Validator {
    /// The script under tests/conformance/.
    pub fn script(self) -> PathBuf {
        let name = match self {
            Validator::Kubernetes => "k8s_validate.py",
            Validator::Ecs => "ecs_validate.py",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("conformance")
            .join(name)
    }

    /// The Python interpreter that runs this validator. The Kubernetes client's pins conflict
    /// with botocore's (python-dateutil >= 3 vs < 3), so `.ci/run` installs it into its own
    /// virtual environment, `tests/conformance/.venv-k8s`, used when present; else `python3`.
    pub fn python(self) -> PathBuf {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/.venv-k8s/bin/python");
        match self {
            Validator::Kubernetes if venv.exists() => venv,
            _ => PathBuf::from("python3"),
        }
    }

    fn probe(self) -> &'static str {
        match self {
            Validator::Kubernetes => "import kubernetes, yaml",
            Validator::Ecs => "import botocore, cfnlint.api",
        }
    }

    fn requirements(self) -> &'static str {
        match self {
            Validator::Kubernetes => "tests/conformance/requirements-k8s.txt",
            Validator::Ecs => "tests/conformance/requirements-ecs.txt",
        }
    }

    /// True when python3 with the validator's modules is there. Under `CI` a missing validator
    /// panics (a failure, not a skip); locally it prints a notice and returns false.
    #[allow(clippy::print_stderr, clippy::panic)]
    pub fn available(self) -> bool {
        let ok = Command::new(self.python())
            .args(["-c", self.probe()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let what = format!(
                "python3 with `{}` (pip install -r {})",
                self.probe(),
                self.requirements()
            );
            if std::env::var_os("CI").is_some() {
                panic!("CI: {what} is required");
            }
            eprintln!("notice: {what} is missing; {self:?} validation skipped");
        }
        ok
    }

    /// Validate `paths` in one run (manifest files for Kubernetes; for ECS exactly one bundle
    /// directory): `Ok(())` when valid, `Err(report)` with the validator's output otherwise.
    pub fn run(self, paths: &[&Path]) -> Result<(), String> {
        let out = Command::new(self.python())
            .arg(self.script())
            .args(paths)
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        report(&out)
    }

    /// Validate `input` given on stdin (`SCRIPT -`: a manifest stream for Kubernetes).
    pub fn run_stdin(self, input: &str) -> Result<(), String> {
        let out = piped(
            Command::new(self.python()).arg(self.script()).arg("-"),
            input,
        )?;
        report(&out)
    }
}

/// `Ok(())` on success, else the exit code and the validator's output.
fn report(out: &Output) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Run `cmd` with `input` on its stdin and collect its output.
fn piped(cmd: &mut Command, input: &str) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    child.wait_with_output().map_err(|e| e.to_string())
}

/// Validate a Kubernetes manifest stream: `Err(report)` when the validator rejects it.
pub fn validate_manifests(yaml: &str) -> Result<(), String> {
    Validator::Kubernetes.run_stdin(yaml)
}

/// Validate ECS bundle files (written to a temporary directory): `Err(report)` when rejected.
pub fn validate_bundle(files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    write_files(dir.path(), files)?;
    Validator::Ecs.run(&[dir.path()])
}

/// Panics with the validator's report and the manifests when they are invalid (skipped, with a
/// notice, when the validator is missing outside CI); HTTPRoutes are also checked with the
/// Gateway API models ([`crate::gateway_api`]).
#[allow(clippy::panic)]
pub fn assert_valid_manifests(yaml: &str) {
    crate::gateway_api::assert_valid_routes(yaml);
    if Validator::Kubernetes.available()
        && let Err(report) = validate_manifests(yaml)
    {
        panic!("invalid manifests:\n{report}\n--- manifests ---\n{yaml}");
    }
}

/// Panics with the validator's report and the bundle's files when the bundle is invalid
/// (skipped, with a notice, when the validator is missing outside CI).
#[allow(clippy::panic)]
pub fn assert_valid_bundle(b: &Bundle) {
    if Validator::Ecs.available()
        && let Err(report) = validate_bundle(&b.files)
    {
        let files: Vec<String> = b
            .files
            .iter()
            .map(|(k, v)| format!("--- {k}\n{}", String::from_utf8_lossy(v)))
            .collect();
        panic!("invalid ECS bundle:\n{report}\n{}", files.join("\n"));
    }
}

/// Parse a YAML stream with PyYAML (a YAML 1.1 reader, like kubectl's go-yaml) and return the
/// documents as a JSON list.
pub fn python_yaml_to_json(yaml: &str) -> Result<String, String> {
    let out = piped(
        Command::new(Validator::Kubernetes.python()).args([
            "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d is not None]))",
        ]),
        yaml,
    )?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Write bundle files (relative path → bytes) under `dir`.
pub fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    for (p, bytes) in files {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
