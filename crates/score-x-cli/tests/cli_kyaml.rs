//! `translate --format kyaml`: the estate's manifests as KYAML read back (by serde_yaml and by
//! PyYAML, a YAML 1.1 reader like kubectl's) as exactly the objects of the block YAML output,
//! and accepted by the Kubernetes validator; other targets refuse the flag.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{code, estate_files, run_paths, stderr, stdout};
use score_x_tests::validators::{Validator, python_yaml_to_json, validate_manifests};
use serde_json::Value;

/// Translate in `dir` (one project, one seed: the same generated secrets every run).
fn translate(dir: &std::path::Path, format: &str) -> String {
    let args = [
        "translate",
        "--target",
        "kubernetes",
        "-o",
        "-",
        "--format",
        format,
    ];
    let out = run_paths(dir, &args, &estate_files());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

fn docs(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

#[test]
fn kyaml_reads_back_as_the_same_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = translate(tmp.path(), "yaml");
    let kyaml = translate(tmp.path(), "kyaml");
    assert!(
        kyaml.starts_with("---\n{\n  apiVersion: \"v1\",\n"),
        "{kyaml}"
    );
    assert!(!kyaml.lines().any(|l| l.trim_end().ends_with(": |")));
    assert_eq!(docs(&kyaml), docs(&yaml));
    assert_eq!(kyaml, translate(tmp.path(), "kyaml"), "deterministic");
    if Validator::Kubernetes.available() {
        let a: Value = serde_json::from_str(&python_yaml_to_json(&kyaml).unwrap()).unwrap();
        let b: Value = serde_json::from_str(&python_yaml_to_json(&yaml).unwrap()).unwrap();
        assert_eq!(a, b, "PyYAML reads KYAML as the same objects");
        validate_manifests(&kyaml).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn kyaml_is_for_kubernetes_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_paths(
        tmp.path(),
        &[
            "translate",
            "--target",
            "nomad",
            "-o",
            "out",
            "--format",
            "kyaml",
        ],
        &estate_files(),
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--format kyaml writes Kubernetes manifests"));
}
