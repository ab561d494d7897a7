//! The real `helm` v4 binary for the Helm conformance tests: found in tests/conformance/bin/
//! (`tests/conformance/install-helm.sh` puts it there) or on PATH; absent, the tests print a
//! notice locally and fail under `CI`. Also: charts written to a directory, `helm lint`,
//! `helm template`, and rendered streams read back as comparable objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use score_x_core::Bundle;
use serde_json::Value as Json;

fn is_v4(helm: &Path) -> bool {
    Command::new(helm)
        .args(["version", "--short"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("v4."))
}

/// The helm v4 binary, or `None` (a notice locally; a panic under `CI`).
#[allow(clippy::print_stderr, clippy::panic)]
pub fn binary() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/bin/helm");
    let found = [local, PathBuf::from("helm")]
        .into_iter()
        .find(|p| is_v4(p));
    if found.is_none() {
        if std::env::var_os("CI").is_some_and(|v| v == "true" || v == "1") {
            panic!("CI: helm v4 is required (run tests/conformance/install-helm.sh)");
        }
        eprintln!(
            "notice: helm v4 is missing (tests/conformance/install-helm.sh); Helm conformance skipped"
        );
    }
    found
}

/// A bundle written to a temporary directory.
pub fn write(b: &Bundle) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    crate::validators::write_files(dir.path(), &b.files).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn run(helm: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(helm)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run helm: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "helm {}: exit {:?}\n{text}",
            args.join(" "),
            out.status.code()
        ))
    }
}

/// `helm lint --strict CHART [-f VALUES]`.
pub fn lint(helm: &Path, chart: &Path, values: Option<&Path>) -> Result<String, String> {
    let c = chart.to_string_lossy();
    let mut args = vec!["lint", "--strict", c.as_ref()];
    let v = values.map(|v| v.to_string_lossy().into_owned());
    if let Some(v) = &v {
        args.extend(["-f", v.as_str()]);
    }
    run(helm, &args)
}

/// `helm template RELEASE CHART [-f VALUES]`: the rendered stream.
pub fn template(
    helm: &Path,
    release: &str,
    chart: &Path,
    values: Option<&Path>,
) -> Result<String, String> {
    let c = chart.to_string_lossy();
    let mut args = vec!["template", release, c.as_ref()];
    let v = values.map(|v| v.to_string_lossy().into_owned());
    if let Some(v) = &v {
        args.extend(["-f", v.as_str()]);
    }
    run(helm, &args)
}

/// The documents of a YAML stream by (kind, namespace, name), as JSON, with Helm's own labels
/// (`helm.sh/chart`) and the pod templates' `checksum/*` annotations dropped and the API server's default Service type (`ClusterIP`) filled in,
/// so a rendered chart and the Kubernetes target's manifests compare equal when they mean the
/// same objects.
pub fn objects(stream: &str) -> BTreeMap<(String, String, String), Json> {
    let mut out = BTreeMap::new();
    for doc in serde_yaml::Deserializer::from_str(stream) {
        let v: serde_yaml::Value =
            serde::Deserialize::deserialize(doc).unwrap_or_else(|e| panic!("YAML: {e}\n{stream}"));
        if v.is_null() {
            continue;
        }
        let mut j: Json = serde_json::to_value(v).unwrap_or_else(|e| panic!("{e}"));
        if let Some(Json::Object(l)) = j.pointer_mut("/metadata/labels") {
            l.remove("helm.sh/chart");
        }
        for t in [
            "/spec/template/metadata",
            "/spec/jobTemplate/spec/template/metadata",
        ] {
            drop_checksums(&mut j, t);
        }
        if j["kind"] == "Service"
            && let Some(Json::Object(spec)) = j.get_mut("spec")
        {
            spec.entry("type")
                .or_insert_with(|| Json::from("ClusterIP"));
        }
        let s = |p: &str| {
            j.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let key = (s("/kind"), s("/metadata/namespace"), s("/metadata/name"));
        out.insert(key, j);
    }
    out
}

/// Remove the `checksum/*` annotations at `meta` (and the annotations map they leave empty).
fn drop_checksums(j: &mut Json, meta: &str) {
    let Some(Json::Object(m)) = j.pointer_mut(meta) else {
        return;
    };
    if let Some(Json::Object(a)) = m.get_mut("annotations") {
        a.retain(|k, _| !k.starts_with("checksum/"));
        if a.is_empty() {
            m.remove("annotations");
        }
    }
}
