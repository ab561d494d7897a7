//! Running the real validators of tests/conformance/ on files written to a directory:
//! `k8s_validate.py` (Kubernetes OpenAPI models) and `ecs_validate.py` (botocore's ECS shapes and
//! cfn-lint). A missing python3 or module is a skip with a notice locally, a failure under `CI`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
        let ok = Command::new("python3")
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
        let out = Command::new("python3")
            .arg(self.script())
            .args(paths)
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
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
