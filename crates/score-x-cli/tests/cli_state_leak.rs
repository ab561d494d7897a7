//! The state file is committed to git: a run whose state would hold a generated secret, or its
//! base64, URL-encoded or case-changed form, is refused and writes nothing (real binary).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin, code, stderr};

const SEED: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const SCORE: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx\n    variables:\n      HOST: ${resources.thing.host}\nresources:\n  thing:\n    type: thing\n";

/// A project whose `thing` provisioner has a generated secret output `pw` (also in a Secret) and
/// the given `state:` section.
fn project(state: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), SCORE).unwrap();
    let prov = format!(
        "- uri: template://test/thing
  type: thing
  outputs: {{ host: {{}}, pw: {{ secret: true }} }}
  state: |
    {state}
  outputs_template: |
    host: thing
    pw: {{ name: thing, key: pw, value: {{{{random_string 24 \"pw\"}}}} }}
  kubernetes: |
    - apiVersion: v1
      kind: Secret
      metadata: {{ name: thing }}
      stringData: {{ pw: {{{{quote (random_string 24 \"pw\")}}}} }}
"
    );
    std::fs::write(dir.path().join("prov.yaml"), prov).unwrap();
    dir
}

fn translate(dir: &Path) -> Output {
    Command::new(bin())
        .args([
            "translate",
            "--target",
            "kubernetes",
            "--provisioners",
            "prov.yaml",
            "-o",
            "out",
            "score.yaml",
        ])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SCORE_X_SEED", SEED)
        .env_remove("CI")
        .output()
        .unwrap()
}

/// The generated secret, read from the Secret of a clean run (same seed, same resource).
fn clean_run_secret() -> String {
    let dir = project("n: 1");
    let o = translate(dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let state = std::fs::read_to_string(dir.path().join(".score-x/state.yaml")).unwrap();
    assert!(state.contains("thing.default#api.thing"), "{state}");
    let manifests = std::fs::read_to_string(dir.path().join("out/manifests.yaml")).unwrap();
    let line = manifests
        .lines()
        .find(|l| l.trim_start().starts_with("pw:"))
        .unwrap_or_else(|| panic!("no pw in {manifests}"));
    let value = line
        .trim()
        .trim_start_matches("pw:")
        .trim()
        .trim_matches('"');
    assert_eq!(value.len(), 24, "{line}");
    assert!(!state.contains(value));
    value.to_string()
}

#[test]
fn a_state_copying_an_encoded_generated_secret_is_refused_and_nothing_is_written() {
    let secret = clean_run_secret();
    for (how, state) in [
        ("base64", "pw: {{b64enc (random_string 24 \"pw\")}}"),
        ("upper case", "pw: {{upper (random_string 24 \"pw\")}}"),
        ("lower case", "pw: x{{lower (random_string 24 \"pw\")}}x"),
        (
            "inside a list",
            "old: [a, {{b64enc (random_string 24 \"pw\")}}]",
        ),
    ] {
        let dir = project(state);
        let o = translate(dir.path());
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{how}: {err}");
        assert!(
            err.contains("kubernetes state of resource `thing.default#api.thing`")
                && err.contains("secret value"),
            "{how}: {err}"
        );
        for shown in [secret.clone(), secret.to_uppercase(), secret.to_lowercase()] {
            assert!(!err.contains(&shown), "{how}: the value is in {err}");
        }
        assert!(!dir.path().join(".score-x/state.yaml").exists(), "{how}");
        assert!(!dir.path().join("out").exists(), "{how}");
    }
}
