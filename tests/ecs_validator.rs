//! Runs tests/conformance/ecs_validate.py (botocore's ECS shapes + cfn-lint) on a bundle.
//! Missing python3 or modules: a skip with a notice locally, a failure under CI.
#![allow(dead_code, clippy::print_stderr, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/ecs_validate.py")
}

/// True when python3 with botocore and cfn-lint is there; panics under CI when it is not.
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import botocore, cfnlint.api"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: python3 with botocore and cfn-lint is required (pip install -r tests/conformance/requirements-ecs.txt)"
        );
        eprintln!("notice: python3/botocore/cfn-lint missing; ECS conformance validation skipped");
    }
    ok
}

/// Write the bundle files into `dir`.
pub fn write(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (p, b) in files {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, b).unwrap();
    }
}

/// Validate a bundle; `Err` holds the validator's report.
pub fn validate(files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let out = Command::new("python3")
        .arg(script())
        .arg(dir.path())
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
