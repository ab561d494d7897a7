//! Gateway API `HTTPRoute` objects checked with the models of the npm package
//! `@kubernetes-models/gateway-api` (their JSON schemas, generated from the Gateway API CRDs) by
//! `tests/conformance/gateway-api/check.mjs`; `npm ci` in that directory installs them (`.ci/run`
//! does). Node or the package missing: a notice locally, a failure under `CI`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

/// The directory of the checker.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/gateway-api")
}

/// True when node and the installed package are there (a panic under `CI` when not).
#[allow(clippy::print_stderr, clippy::panic)]
pub fn available() -> bool {
    let installed = dir()
        .join("node_modules/@kubernetes-models/gateway-api")
        .exists();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        return true;
    }
    let what = "node with tests/conformance/gateway-api installed (npm ci there)";
    if std::env::var_os("CI").is_some_and(|v| v == "true" || v == "1") {
        panic!("CI: {what} is required");
    }
    eprintln!(
        "notice: {what} is missing; HTTPRoute validation with the Gateway API models skipped"
    );
    false
}

/// The HTTPRoute objects of a YAML stream.
pub fn routes(stream: &str) -> Vec<Json> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(stream) {
        let Ok(v) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) else {
            continue;
        };
        let Ok(j) = serde_json::to_value(v) else {
            continue;
        };
        let api = j["apiVersion"].as_str().unwrap_or_default();
        if j["kind"] == "HTTPRoute" && api.starts_with("gateway.networking.k8s.io/") {
            out.push(j);
        }
    }
    out
}

/// Validate `objects` (HTTPRoutes) with the package's `validate()`: `Err(report)` naming each
/// invalid object and its errors.
pub fn validate(objects: &[Json]) -> Result<(), String> {
    let mut child = Command::new("node")
        .arg(dir().join("check.mjs"))
        .current_dir(dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(Json::Array(objects.to_vec()).to_string().as_bytes())
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

/// Panics with the report when an HTTPRoute of the YAML stream is invalid under the Gateway API
/// models; returns how many HTTPRoutes were checked (0 when the checker is missing outside CI).
#[allow(clippy::panic)]
pub fn assert_valid_routes(stream: &str) -> usize {
    let routes = routes(stream);
    if routes.is_empty() || !available() {
        return 0;
    }
    if let Err(report) = validate(&routes) {
        panic!(
            "HTTPRoute rejected by @kubernetes-models/gateway-api:\n{report}\n--- manifests ---\n{stream}"
        );
    }
    routes.len()
}
