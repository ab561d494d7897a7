//! Runs tests/conformance/k8s_validate.py (the strict Kubernetes validator) on a manifest stream.
//! Shared by the kubernetes_* tests (`mod kubernetes_validator;`).

use std::io::Write as _;
use std::process::{Command, Stdio};

/// The validator script.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/k8s_validate.py");

/// True when python3 with the validator's modules is available. Under `CI` a missing
/// validator is a failure, not a skip.
#[allow(clippy::print_stderr)]
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import kubernetes, yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: python3 with the `kubernetes` and `yaml` modules is required (pip install -r tests/conformance/requirements-k8s.txt)"
        );
        eprintln!(
            "notice: skipping Kubernetes validation: python3 with `kubernetes` and `yaml` is not installed"
        );
    }
    ok
}

/// Run the validator on `yaml`: `Ok(())` when valid, `Err(report)` otherwise.
pub fn run(yaml: &str) -> Result<(), String> {
    let mut child = Command::new("python3")
        .arg(SCRIPT)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(yaml.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Parse a YAML stream with PyYAML (a YAML 1.1 reader) and return the documents as a JSON list.
/// (Not every test that includes this module uses it.)
#[allow(dead_code)]
pub fn python_yaml_to_json(yaml: &str) -> Result<String, String> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d is not None]))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(yaml.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
