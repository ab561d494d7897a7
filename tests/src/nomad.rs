//! The Nomad conformance validator (`tests/conformance/nomad_validate.py`) run on a bundle: the
//! JSON jobs against the `Job` schema of the Nomad OpenAPI description
//! (`../shared/data/nomad-openapi.yaml` next to the repository), the HCL read back by python-hcl2
//! and compared with the JSON, and every template's delimiters. A missing OpenAPI file or
//! Python module is a printed skip locally and a failure under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use score_x_core::Bundle;

use crate::validators::write_files;

/// The Nomad OpenAPI description, relative to the workspace root's parent.
pub fn openapi() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/nomad-openapi.yaml")
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// True when the validator can run; a skip notice (or, under CI, a panic) otherwise.
#[allow(clippy::print_stderr, clippy::panic)]
pub fn available() -> bool {
    let missing = if !openapi().is_file() {
        Some(format!("{} is absent", openapi().display()))
    } else {
        let ok = Command::new("python3")
            .args(["-c", "import hcl2, jsonschema, yaml"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        (!ok).then(|| {
            "python3 with hcl2, jsonschema and yaml is missing (pip install -r tests/conformance/requirements-nomad.txt)".to_string()
        })
    };
    match missing {
        None => true,
        Some(m) if ci() => panic!("CI: {m}"),
        Some(m) => {
            eprintln!("notice: {m}; Nomad validation skipped");
            false
        }
    }
}

/// Run the validator on `bundle`; `Err` holds its report.
pub fn validate(bundle: &Bundle) -> Result<(), String> {
    validate_all(&[("bundle", bundle)])
}

/// Run the validator once on several named bundles (one directory each); `Err` holds the report,
/// each problem prefixed with its bundle's directory.
pub fn validate_all(bundles: &[(&str, &Bundle)]) -> Result<(), String> {
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut dirs = Vec::new();
    for (i, (name, b)) in bundles.iter().enumerate() {
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let dir = root.path().join(format!("{i:03}-{safe}"));
        write_files(&dir, &b.files)?;
        dirs.push(dir);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/nomad_validate.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(openapi())
        .args(&dirs)
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
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

/// Validate `bundle` when the validator is available; panic with its report when it fails.
pub fn assert_valid(what: &str, bundle: &Bundle) {
    assert_all_valid(&[(what, bundle)]);
}

/// Validate named bundles in one validator run when it is available; panic with the report.
#[allow(clippy::panic)]
pub fn assert_all_valid(bundles: &[(&str, &Bundle)]) {
    if !available() {
        return;
    }
    if let Err(e) = validate_all(bundles) {
        panic!("the Nomad output does not validate:\n{e}");
    }
}
