//! The peers' test cases as a corpus: score-go's schema table, rewritten as mutations of this
//! project's own document (`tests/peers/schema-mutations.yaml`), each run through
//! `score-x validate --format json` (the whole front half, every target), the valid base
//! translated on every target; and score-k8s's whole-workload conversion case
//! (`tests/peers/score-k8s-convert.yaml`) checked field by field on our Kubernetes objects.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    base: Value,
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    set: Option<String>,
    #[serde(default)]
    value: Value,
    delete: Option<String>,
    #[serde(default)]
    valid: bool,
    error: Option<String>,
    #[allow(dead_code)]
    differs: Option<String>,
}

fn corpus() -> Corpus {
    let path = repo().join("tests/peers/schema-mutations.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The parent of RFC 6901 pointer `p` and its last (unescaped) segment.
fn split(p: &str) -> (&str, String) {
    let at = p.rfind('/').unwrap();
    (&p[..at], p[at + 1..].replace("~1", "/").replace("~0", "~"))
}

fn mutate(base: &Value, case: &Case) -> Value {
    let mut doc = base.clone();
    if let Some(p) = &case.set {
        let (parent, key) = split(p);
        match doc.pointer_mut(parent).unwrap() {
            Value::Object(m) => {
                m.insert(key, case.value.clone());
            }
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = case.value.clone(),
            other => panic!("{}: {parent} is {other}", case.name),
        }
    }
    if let Some(p) = &case.delete {
        let (parent, key) = split(p);
        let m = doc.pointer_mut(parent).unwrap().as_object_mut().unwrap();
        assert!(m.remove(&key).is_some(), "{}: nothing at {p}", case.name);
    }
    doc
}

/// What `validate --format json` says of `doc`: valid, and the error pointers.
fn validate(dir: &std::path::Path, doc: &Value) -> (bool, Vec<String>, String) {
    std::fs::write(dir.join("score.yaml"), serde_yaml::to_string(doc).unwrap()).unwrap();
    let o = run_in(dir, &["validate", "--format", "json", "score.yaml"]);
    assert!(
        matches!(code(&o), 0 | 1),
        "exit {}: {}",
        code(&o),
        stderr(&o)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let errors = v["errors"].as_array().unwrap();
    let paths = errors
        .iter()
        .map(|e| e["path"].as_str().unwrap_or_default().to_string())
        .collect();
    let said: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {}", e["path"], e["message"]))
        .collect();
    (v["valid"] == true, paths, said.join("; "))
}

#[test]
fn score_go_schema_cases_agree() {
    let c = corpus();
    assert!(c.cases.len() >= 100, "{} cases", c.cases.len());
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for case in &c.cases {
        assert!(
            case.valid != case.error.is_some(),
            "{}: give `valid: true` or `error`",
            case.name
        );
        let (valid, paths, out) = validate(dir.path(), &mutate(&c.base, case));
        let ok = match &case.error {
            None => valid,
            Some(want) => {
                !valid
                    && paths
                        .iter()
                        .any(|p| p == want || p.starts_with(&format!("{want}/")) || want.is_empty())
            }
        };
        if !ok {
            wrong.push(format!(
                "{}: expected {:?}, got [{out}]",
                case.name, case.error
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        c.cases.len(),
        wrong.join("\n")
    );
}

/// The base document (postgres `extensions`, a dns class no target defines, a volume, an
/// environment) translates on every target: a portable file from another tool is not rejected.
#[test]
fn the_base_document_translates_on_every_target() {
    let c = corpus();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("score.yaml"),
        serde_yaml::to_string(&c.base).unwrap(),
    )
    .unwrap();
    for target in ["kubernetes", "helm", "ecs", "nomad"] {
        let out = format!("out-{target}");
        let o = run_in(
            dir.path(),
            &["translate", "--target", target, "-o", &out, "score.yaml"],
        );
        assert_eq!(code(&o), 0, "{target}: {}", stderr(&o));
        assert!(dir.path().join(&out).is_dir(), "{target}: no output");
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Convert {
    score: String,
    provisioners: String,
    expect: Vec<Expect>,
    targets: std::collections::BTreeMap<String, Value>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[allow(dead_code)]
    case: Option<String>,
    kind: String,
    name: String,
    pointer: String,
    equals: Value,
    #[allow(dead_code)]
    differs: Option<String>,
}

/// score-k8s's whole-workload conversion case, rewritten: the fields its expected manifests pin
/// down, at JSON Pointers of our Kubernetes objects; then every other target.
#[test]
fn score_k8s_conversion_case_agrees() {
    let path = repo().join("tests/peers/score-k8s-convert.yaml");
    let c: Convert = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), &c.score).unwrap();
    std::fs::write(dir.path().join("p.yaml"), &c.provisioners).unwrap();
    let args = ["translate", "--provisioners", "p.yaml", "score.yaml"];
    let o = run_in(
        dir.path(),
        &[&args[..], &["--target", "kubernetes", "-o", "-"][..]].concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let objects: Vec<Value> = serde_yaml::Deserializer::from_str(&stdout(&o))
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let mut wrong = Vec::new();
    for e in &c.expect {
        let found = objects
            .iter()
            .find(|o| o["kind"] == e.kind.as_str() && o["metadata"]["name"] == e.name.as_str());
        let got = found.and_then(|o| o.pointer(&e.pointer));
        if got != Some(&e.equals) {
            wrong.push(format!("{} {} {}: {got:?}", e.kind, e.name, e.pointer));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for (target, want) in &c.targets {
        let out = format!("out-{target}");
        let o = run_in(
            dir.path(),
            &[
                &args[..],
                &["--target", target.as_str(), "-o", out.as_str()][..],
            ]
            .concat(),
        );
        match want.get("error").and_then(Value::as_str) {
            None => assert_eq!(code(&o), 0, "{target}: {}", stderr(&o)),
            Some(msg) => {
                assert_eq!(code(&o), 1, "{target}: {}", stderr(&o));
                assert!(stderr(&o).contains(msg), "{target}: {}", stderr(&o));
            }
        }
    }
}
